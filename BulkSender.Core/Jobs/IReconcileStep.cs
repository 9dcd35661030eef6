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
