using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Core.Compliance;

internal static class ComplianceRegistration
{
    /// <summary>Opt-outs (from unsubscribe links, webhooks, edits) and the signal that tells running sends about them.</summary>
    public static void AddCompliance(this IServiceCollection services)
    {
        services.AddSingleton<UnsubscribeTokens>();
        services.AddSingleton<OptOuts>();
        services.AddSingleton<OptOutSignal>();
    }
}
