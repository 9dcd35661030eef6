using BulkSender.Core.Channels;
using BulkSender.Core.Jobs;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BulkSender.Core.Funnel;

internal static class FunnelRegistration
{
    /// <summary>What happened after a send: the status updater the webhooks and the polling job feed, and its queries.</summary>
    public static void AddFunnel(this IServiceCollection services)
    {
        services.AddSingleton<DeliveryStatusUpdater>();
        services.AddSingleton<FunnelQueries>();
        services.AddSingleton<HumanAgentReplies>();
        services.AddSingleton<WhatsAppStatusDetails>();

        services.AddOptions<StatusPollingOptions>().BindConfiguration(StatusPollingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddProviderHttpClient<PollDeliveryStatusJob>();
        services.AddHostedService<StatusPollingRegistration>();
    }

    /// <summary>Registers the status polling as a recurring job, as the reconcile job is.</summary>
    private sealed class StatusPollingRegistration(IRecurringJobManager recurring) : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken)
        {
            recurring.AddOrUpdate<PollDeliveryStatusJob>(PollDeliveryStatusJob.RecurringId, JobQueues.Default,
                j => j.RunAsync(CancellationToken.None), PollDeliveryStatusJob.Schedule);
            return Task.CompletedTask;
        }
    }
}
