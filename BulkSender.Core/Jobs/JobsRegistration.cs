using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.SqlServer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Jobs;

internal static class JobsRegistration
{
    public static void AddJobs(this IServiceCollection services, IConfiguration configuration, DatabaseProvider provider)
    {
        services.AddHangfire(config =>
        {
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            if (provider == DatabaseProvider.SqlServer)
                config.UseSqlServerStorage(configuration.GetConnectionString("SqlServer"), new SqlServerStorageOptions
                {
                    PrepareSchemaIfNecessary = true,
                    QueuePollInterval = TimeSpan.FromSeconds(1),
                });
            else if (provider == DatabaseProvider.PostgreSql)
                // A fetched job is hidden from other servers for InvisibilityTimeout; sliding keeps extending it while
                // this server lives, so only a dead server's jobs are started again elsewhere (and the batch claim
                // makes a second start harmless anyway).
                config.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(configuration.GetConnectionString("PostgreSql")),
                    new PostgreSqlStorageOptions
                    {
                        PrepareSchemaIfNecessary = true,
                        QueuePollInterval = TimeSpan.FromSeconds(1),
                        InvisibilityTimeout = TimeSpan.FromMinutes(5),
                        UseSlidingInvisibilityTimeout = true,
                    });
            else
                // The database, not Hangfire, is the truth in this mode: ReconcileJob puts lost work back.
                config.UseInMemoryStorage();
        });

        var workers = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>()?.WorkerCount ?? 0;
        services.AddHangfireServer(o =>
        {
            o.Queues = JobQueues.All;
            // Named after the process, as batch claims are: another instance finds a dead claimer's server gone from
            // the list (JobServerList). A killed server leaves the list once its heartbeat is a minute old.
            o.ServerName = BatchClaimer.ProcessIdentity;
            o.HeartbeatInterval = TimeSpan.FromSeconds(15);
            o.ServerTimeout = TimeSpan.FromMinutes(1);
            o.ServerCheckInterval = TimeSpan.FromSeconds(15);
            if (workers > 0)
                o.WorkerCount = workers;
        });

        services.AddSingleton(sp => new JobServerList(sp.GetRequiredService<JobStorage>(), provider != DatabaseProvider.Sqlite,
            sp.GetRequiredService<ILogger<JobServerList>>()));
        services.AddTransient<ReconcileJob>();
        services.AddHostedService<StartupReconciliation>();
    }

    /// <summary>
    /// Registers the recurring jobs and runs the reconciliation once as the app starts, then every
    /// <see cref="JobsOptions.ReconcileEvery"/> when that is set.
    /// </summary>
    private sealed class StartupReconciliation(IRecurringJobManager recurring, IServiceScopeFactory scopes, IOptions<JobsOptions> options,
        TimeProvider clock, ILogger<StartupReconciliation> log) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            recurring.AddOrUpdate<ReconcileJob>(ReconcileJob.RecurringId, JobQueues.Default,
                j => j.RunAsync(CancellationToken.None), Cron.Minutely());
            await ReconcileAsync(stoppingToken);
            if (options.Value.ReconcileEvery is not { } every)
                return;
            using var timer = new PeriodicTimer(every, clock);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await ReconcileAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The next tick (or the every-minute job) tries again; a failed round must not stop the app.
                    log.LogWarning(ex, "A reconcile round failed");
                }
            }
        }

        private async Task ReconcileAsync(CancellationToken cancellationToken)
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ReconcileJob>().RunAsync(cancellationToken);
        }
    }
}
