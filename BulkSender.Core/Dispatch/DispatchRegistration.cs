using BulkSender.Core.Campaigns;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Channels.RateLimits;
using BulkSender.Core.Channels.WhatsApp;
using BulkSender.Core.Idempotency;
using BulkSender.Core.Jobs;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using FluentValidation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BulkSender.Core.Dispatch;

internal static class DispatchRegistration
{
    /// <summary>The send pipeline: channels, the shared rate limiter, sends, batch jobs and their recovery.</summary>
    public static void AddDispatch(this IServiceCollection services)
    {
        services.AddOptions<ChannelsOptions>().BindConfiguration(ChannelsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SimulatedChannelOptions>().BindConfiguration(SimulatedChannelOptions.Section).ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<RetryOptions>().BindConfiguration(RetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<SimulatedChannelLog>();
        services.AddSingleton<SimulatedChannel>();
        services.AddSingleton<SimulatedEvents>();
        services.AddHostedService<SimulatedEventsService>();
        services.AddSingleton<ChannelAdapters>();
        services.TryAddSingleton<ChannelPauses>();
        services.AddTransient<ChannelResume>();
        services.AddSingleton<RateLimitSlots>();
        services.AddSingleton<ChannelRateLimiter>();
        services.AddSingleton<InFlightLimiter>();
        services.AddSingleton<HandOverTurns>();
        services.AddSingleton<DailySendQuota>();
        services.AddSingleton<WhatsAppMessagingLimit>();

        services.AddSingleton<ComposeValidator>();
        services.AddSingleton<IValidator<ComposeModel>>(sp => sp.GetRequiredService<ComposeValidator>());
        services.TryAddSingleton<IDispatchProgress, NoDispatchProgress>();
        services.AddTransient<RetryDefaults>();
        services.AddTransient<BatchQueue>();
        services.AddTransient<SendCompletion>();
        services.AddSingleton<IdempotencyKeys>();
        services.AddSingleton<SendCancellations>();
        services.AddTransient<SendService>();
        services.AddTransient<TestSends>();
        services.AddSingleton<MessageQueries>();
        services.AddSingleton<ComposePreview>();
        services.AddTransient<SendBatchJob>();

        // In this order: released sends' batches and taken-back batches are enqueued in the same run.
        services.AddTransient<IReconcileStep, ReleaseScheduledSendsStep>();
        services.AddCampaignReconcile();
        services.AddTransient<IReconcileStep, RecoverStalledBatchesStep>();
        services.AddTransient<IReconcileStep, RequeuePendingBatchesStep>();
        services.AddTransient<IReconcileStep, CompleteFinishedSendsStep>();
    }
}
