using BulkSender.Core.Data;
using BulkSender.Core.Jobs;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Dispatch;

/// <summary>Puts batches on the "dispatch" queue, one <see cref="SendBatchJob"/> each, and remembers the job ids.</summary>
public sealed class BatchQueue(IBackgroundJobClient jobs, JobStorage storage, IDbContextFactory<AppDbContext> dbs)
{
    private static readonly string[] LiveStates =
        [EnqueuedState.StateName, ProcessingState.StateName, ScheduledState.StateName, AwaitingState.StateName];

    /// <summary>Enqueues one job per batch. Safe to call twice for a batch: the job claims its batch conditionally.</summary>
    public async Task EnqueueAsync(IReadOnlyCollection<int> batchIds, CancellationToken cancellationToken)
    {
        if (batchIds.Count == 0)
            return;
        var jobIds = batchIds
            .Select(id => (BatchId: id, JobId: jobs.Enqueue<SendBatchJob>(JobQueues.Dispatch, j => j.RunAsync(id, CancellationToken.None))))
            .ToList();
        await dbs.InTransactionAsync(async (db, ct) =>
        {
            foreach (var (batchId, jobId) in jobIds)
                await db.Batches.Where(b => b.Id == batchId).ExecuteUpdateAsync(s => s.SetProperty(b => b.JobId, jobId), ct);
            return jobIds.Count;
        }, cancellationToken);
    }

    /// <summary>Whether the job storage still has the job waiting or running (in-memory storage forgets everything on restart).</summary>
    public bool IsAlive(string? jobId)
    {
        if (string.IsNullOrEmpty(jobId))
            return false;
        using var connection = storage.GetConnection();
        return connection.GetJobData(jobId)?.State is { } state && LiveStates.Contains(state);
    }
}
