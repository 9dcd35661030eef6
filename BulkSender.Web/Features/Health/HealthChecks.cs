using System.Text.Json;
using BulkSender.Core.Data;
using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BulkSender.Web.Features.Health;

public sealed class DatabaseHealthCheck(IDbContextFactory<AppDbContext> dbs) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        try
        {
            if (!await db.Database.CanConnectAsync(cancellationToken))
                return HealthCheckResult.Unhealthy("The database does not answer.");
            var pending = await db.Database.GetPendingMigrationsAsync(cancellationToken);
            return pending.Any()
                ? HealthCheckResult.Degraded($"{pending.Count()} migration(s) not applied.")
                : HealthCheckResult.Healthy($"{db.Database.ProviderName?.Split('.').Last()} reachable, schema up to date.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The exception text may carry a connection string: report its type only.
            return HealthCheckResult.Unhealthy($"The database check failed ({ex.GetType().Name}).");
        }
    }
}

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

public static class HealthEndpoint
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Anonymous, so load balancers can probe it; it says how each part is, never how it is configured.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = (ctx, report) =>
            {
                ctx.Response.ContentType = "application/json";
                return ctx.Response.WriteAsync(JsonSerializer.Serialize(new
                {
                    status = report.Status.ToString(),
                    checks = report.Entries.ToDictionary(e => e.Key, e => new
                    {
                        status = e.Value.Status.ToString(),
                        description = e.Value.Description,
                        data = e.Value.Data,
                    }),
                }, Json));
            },
        }).AllowAnonymous();
        return app;
    }
}
