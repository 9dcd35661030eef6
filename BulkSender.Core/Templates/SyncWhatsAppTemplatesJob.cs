using Microsoft.Extensions.Logging;

namespace BulkSender.Core.Templates;

/// <summary>
/// The recurring job "sync-whatsapp-templates" (daily): the account's templates copied again. Does nothing until
/// WhatsApp can list them.
/// </summary>
public sealed class SyncWhatsAppTemplatesJob(WhatsAppTemplateSync sync, ILogger<SyncWhatsAppTemplatesJob> log)
{
    public const string RecurringId = "sync-whatsapp-templates";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var result = await sync.SyncAsync(cancellationToken);
        if (!result.Succeeded)
            log.LogInformation("WhatsApp templates not synced: {Problem}", result.Problem);
    }
}
