using BulkSender.Core.Channels.Email;
using BulkSender.Core.Channels.Messenger;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Channels.WhatsApp;
using BulkSender.Core.Compliance;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Funnel;
using BulkSender.Core.Jobs;
using Hangfire;
using Polly;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace BulkSender.Core.Channels;

public static class RealChannelsRegistration
{
    /// <summary>Seconds one provider request may take ("Channels:HttpTimeoutSeconds").</summary>
    public const string TimeoutKey = "Channels:HttpTimeoutSeconds";

    /// <summary>
    /// The real adapters (keyed <see cref="IRealChannel"/> per <see cref="ChannelKind"/>), their settings, the status
    /// updater the webhooks and the polling job feed, unsubscribe tokens and opt-outs.
    /// </summary>
    public static IServiceCollection AddRealChannels(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddDataProtection();
        services.AddSingleton<ChannelSettingsStore>();
        services.AddSingleton<ChannelTester>();
        services.AddSingleton<UnsubscribeTokens>();
        services.AddSingleton<OptOuts>();
        services.TryAddSingleton<OptOutSignal>();
        services.AddSingleton<DeliveryStatusUpdater>();
        services.AddSingleton<FunnelQueries>();
        services.TryAddSingleton<IDispatchProgress, NoDispatchProgress>();

        services.AddProviderHttpClient<MessengerChannel>();
        services.AddProviderHttpClient<WhatsAppChannel>();
        services.AddSingleton<SmtpConnectionPool>();
        services.AddSingleton<EmailChannel>();
        services.AddKeyedTransient<IRealChannel>(ChannelKind.Messenger, (sp, _) => sp.GetRequiredService<MessengerChannel>());
        services.AddKeyedTransient<IRealChannel>(ChannelKind.WhatsApp, (sp, _) => sp.GetRequiredService<WhatsAppChannel>());
        services.AddKeyedTransient<IRealChannel>(ChannelKind.Email, (sp, _) => sp.GetRequiredService<EmailChannel>());

        services.AddOptions<StatusPollingOptions>().BindConfiguration(StatusPollingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddProviderHttpClient<PollDeliveryStatusJob>();
        services.AddHostedService<StatusPollingRegistration>();
        return services;
    }

    /// <summary>
    /// A typed client whose only resilience is a timeout: no retry, because a provider may have accepted a message whose
    /// answer was lost, and resending it is the send pipeline's call (its retry rounds), not the HTTP layer's.
    /// </summary>
    private static void AddProviderHttpClient<TClient>(this IServiceCollection services) where TClient : class
    {
        services.AddHttpClient<TClient>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RedactLoggedHeaders(_ => true)
            .AddResilienceHandler("provider-timeout", (pipeline, context) =>
            {
                var seconds = context.ServiceProvider.GetRequiredService<IConfiguration>().GetValue<double?>(TimeoutKey) ?? 30;
                pipeline.AddTimeout(TimeSpan.FromSeconds(Math.Clamp(seconds, 1, 300)));
            });
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
