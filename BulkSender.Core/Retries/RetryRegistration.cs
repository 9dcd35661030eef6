using BulkSender.Core.Jobs;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BulkSender.Core.Retries;

internal static class RetryRegistration
{
    /// <summary>Retry rounds, the policies that start them, the failed-recipients view and the delivery cleanup.</summary>
    public static void AddRetries(this IServiceCollection services)
    {
        services.AddOptions<CleanupOptions>().BindConfiguration(CleanupOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddTransient<RetryPlanner>();
        services.AddTransient<RetryFollowUp>();
        services.AddTransient<RetryFailedJob>();
        services.AddTransient<RetryPolicies>();
        services.AddTransient<FailedRecipientQueries>();
        services.AddTransient<CleanupDeliveriesJob>();
        services.AddHostedService<RetryJobsRegistration>();
    }

    /// <summary>The recurring jobs, visible on the Hangfire dashboard's "Recurring jobs" page.</summary>
    private sealed class RetryJobsRegistration(IRecurringJobManager recurring) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            recurring.AddOrUpdate<RetryFailedJob>(RetryFailedJob.RecurringId, JobQueues.Default,
                j => j.RunAsync(CancellationToken.None), RetryFailedJob.Cron);
            recurring.AddOrUpdate<CleanupDeliveriesJob>(CleanupDeliveriesJob.RecurringId, JobQueues.Default,
                j => j.RunAsync(CancellationToken.None), Cron.Daily(3));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
