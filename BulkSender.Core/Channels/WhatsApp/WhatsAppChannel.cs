using System.Text.Json;
using BulkSender.Core.Channels.Errors;
using BulkSender.Core.Channels.Settings;

namespace BulkSender.Core.Channels.WhatsApp;

/// <summary>WhatsApp through the Cloud API: POST {base}/{version}/{phone number id}/messages, a text message.</summary>
public sealed class WhatsAppChannel(HttpClient http, ChannelSettingsStore settings, TimeProvider clock)
    : RealChannel<WhatsAppSettings>(ChannelKind.WhatsApp)
{
    public const string ReEngagementReason = WhatsAppErrors.ReEngagementReason;

    protected override Task<WhatsAppSettings> SettingsAsync(CancellationToken cancellationToken) => settings.WhatsAppAsync(cancellationToken);

    protected override async Task<ChannelResult> SendAsync(WhatsAppSettings options, OutgoingMessage message, CancellationToken cancellationToken)
    {
        var body = new
        {
            messaging_product = "whatsapp",
            recipient_type = "individual",
            to = message.Address.TrimStart('+'),
            type = "text",
            text = new { preview_url = false, body = message.Content },
        };
        var url = GraphApi.Url(options.BaseUrl!, options.ApiVersion, options.PhoneNumberId!, "messages");
        return await GraphApi.PostAsync(http, clock, url, options.AccessToken!, body, ReadMessageId, WhatsAppErrors.Table, cancellationToken);
    }

    private static string? ReadMessageId(JsonElement reply) =>
        reply.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0
        && messages[0].TryGetProperty("id", out var id) ? id.GetString() : null;

    /// <summary>The Cloud API's error code as a rule of <see cref="WhatsAppErrors.Table"/>; null when it does not know it.</summary>
    public static ErrorRule? Classify(GraphError error) => WhatsAppErrors.Table.Find(error);
}
