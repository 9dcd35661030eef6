using BulkSender.Core.Channels.Email;
using BulkSender.Core.Channels.Errors;
using BulkSender.Core.Channels.Messenger;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Channels.WhatsApp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Polly;

namespace BulkSender.Core.Channels;

public static class RealChannelsRegistration
{
    /// <summary>Seconds one provider request may take ("Channels:HttpTimeoutSeconds").</summary>
    public const string TimeoutKey = "Channels:HttpTimeoutSeconds";

    /// <summary>The real adapters (keyed <see cref="IRealChannel"/> per <see cref="ChannelKind"/>) and their settings.</summary>
    public static IServiceCollection AddRealChannels(this IServiceCollection services)
    {
        services.AddSingleton<ChannelSettingsStore>();
        services.AddSingleton<ChannelTester>();
        // A provider's pausing error reaches it from a send's answer (dispatch) or a failed status (funnel).
        services.TryAddSingleton<ChannelPauses>();
        services.AddSingleton<ErrorActions>();

        services.AddProviderHttpClient<MessengerChannel>();
        services.AddProviderHttpClient<WhatsAppChannel>();
        services.AddSingleton<SmtpConnectionPool>();
        services.AddSingleton<EmailChannel>();
        services.AddKeyedTransient<IRealChannel>(ChannelKind.Messenger, (sp, _) => sp.GetRequiredService<MessengerChannel>());
        services.AddKeyedTransient<IRealChannel>(ChannelKind.WhatsApp, (sp, _) => sp.GetRequiredService<WhatsAppChannel>());
        services.AddKeyedTransient<IRealChannel>(ChannelKind.Email, (sp, _) => sp.GetRequiredService<EmailChannel>());
        return services;
    }

    /// <summary>
    /// A typed client whose only resilience is a timeout: no retry, because a provider may have accepted a message whose
    /// answer was lost, and resending it is the send pipeline's call (its retry rounds), not the HTTP layer's.
    /// </summary>
    internal static void AddProviderHttpClient<TClient>(this IServiceCollection services) where TClient : class
    {
        services.AddHttpClient<TClient>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RedactLoggedHeaders(_ => true)
            .AddResilienceHandler("provider-timeout", (pipeline, context) =>
            {
                var seconds = context.ServiceProvider.GetRequiredService<IConfiguration>().GetValue<double?>(TimeoutKey) ?? 30;
                pipeline.AddTimeout(TimeSpan.FromSeconds(Math.Clamp(seconds, 1, 300)));
            });
    }
}
