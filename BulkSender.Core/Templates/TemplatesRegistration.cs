using BulkSender.Core.Channels;
using BulkSender.Core.Jobs;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BulkSender.Core.Templates;

internal static class TemplatesRegistration
{
    /// <summary>WhatsApp message templates: the stored list, its sync (on demand and daily) and status updates.</summary>
    public static void AddTemplates(this IServiceCollection services)
    {
        services.AddSingleton<WhatsAppTemplateQueries>();
        services.AddProviderHttpClient<WhatsAppTemplateSync>();
        services.AddTransient<SyncWhatsAppTemplatesJob>();
        services.AddHostedService<TemplateSyncRegistration>();
    }

    private sealed class TemplateSyncRegistration(IRecurringJobManager recurring) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            recurring.AddOrUpdate<SyncWhatsAppTemplatesJob>(SyncWhatsAppTemplatesJob.RecurringId, JobQueues.Default,
                j => j.RunAsync(CancellationToken.None), Cron.Daily(4));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
