using BulkSender.Core.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Core.Campaigns;

internal static class CampaignsRegistration
{
    public static void AddCampaigns(this IServiceCollection services)
    {
        services.AddTransient<CampaignScheduler>();
        services.AddTransient<CampaignService>();
        services.AddTransient<CampaignQueries>();
        services.AddTransient<ReleaseCampaignDayJob>();
    }

    /// <summary>Before the batch steps, so a released day's batch is enqueued in the same run.</summary>
    public static void AddCampaignReconcile(this IServiceCollection services) =>
        services.AddTransient<IReconcileStep, ReleaseCampaignDaysStep>();
}
