using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BulkSender.Web.Features.Health;

public sealed class JobServerHealthCheck(JobStorage storage, TimeProvider clock) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var monitor = storage.GetMonitoringApi();
            var now = clock.GetUtcNow().UtcDateTime;
            var alive = monitor.Servers().Count(s => s.Heartbeat is { } beat && now - beat < TimeSpan.FromMinutes(5));
            var data = new Dictionary<string, object> { ["servers"] = alive, ["enqueued"] = monitor.Queues().Sum(q => q.Length) };
            return Task.FromResult(alive > 0
                ? HealthCheckResult.Healthy($"{alive} job server(s) alive.", data)
                : HealthCheckResult.Unhealthy("No job server has sent a heartbeat in the last 5 minutes.", data: data));
        }
        catch (Exception ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"The job storage check failed ({ex.GetType().Name})."));
        }
    }
}
