using Microsoft.Extensions.Logging;

namespace BulkSender.Core.Jobs;

/// <summary>
/// One piece of work recorded in the database that may have lost its Hangfire job (in SQLite mode Hangfire's
/// storage is in memory, so a restart forgets every queued job). Each step finds such work and enqueues it again.
/// </summary>
public interface IReconcileStep
{
    string Name { get; }

    /// <summary>Returns how many items were (re)enqueued.</summary>
    Task<int> ReconcileAsync(CancellationToken cancellationToken);
}

/// <summary>Runs every <see cref="IReconcileStep"/>: once at start and then every minute as a recurring job.</summary>
public sealed class ReconcileJob(IEnumerable<IReconcileStep> steps, ILogger<ReconcileJob> log)
{
    public const string RecurringId = "reconcile";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var step in steps)
        {
            var count = await step.ReconcileAsync(cancellationToken);
            if (count > 0)
                log.LogInformation("Reconcile step {Step} re-enqueued {Count} item(s)", step.Name, count);
        }
    }
}
