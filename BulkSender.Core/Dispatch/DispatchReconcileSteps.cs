using System.Globalization;
using BulkSender.Core.Data;
using BulkSender.Core.Jobs;
using BulkSender.Core.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Dispatch;

/// <summary>Scheduled sends whose time has come start sending; the next step enqueues their batches.</summary>
public sealed class ReleaseScheduledSendsStep(IDbContextFactory<AppDbContext> dbs, IDispatchProgress progress, TimeProvider clock) : IReconcileStep
{
    public string Name => "release-scheduled-sends";

    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var due = await db.Messages.Where(m => m.Status == MessageStatus.Scheduled && m.ScheduledAt <= now).Select(m => m.Id)
            .ToListAsync(cancellationToken);
        var released = 0;
        foreach (var id in due)
        {
            if (await db.Messages.Where(m => m.Id == id && m.Status == MessageStatus.Scheduled)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MessageStatus.Sending).SetProperty(m => m.StartedAt, now),
                        cancellationToken) == 0)
                continue;
            released++;
            progress.MessageChanged(id);
        }
        return released;
    }
}

/// <summary>
/// Batches in Processing whose claimer is gone go back to Pending and are enqueued again: at once when it is known dead
/// (see <see cref="BatchClaimer"/>: a process of this machine that no longer runs, so after a kill -9 and a restart the
/// send goes on at the restart, this step running at start; or a process of another machine with no Hangfire server in
/// the shared job storage's list, <see cref="JobServerList"/>), otherwise once its heartbeat is older than
/// <see cref="DispatchOptions.StaleAfter"/> (another machine in SQLite mode, or a hung worker). The new run re-sends the deliveries the
/// dead worker left in Sending; if the old worker is merely slow, it notices it lost the batch and stops.
/// </summary>
public sealed class RecoverStalledBatchesStep(IDbContextFactory<AppDbContext> dbs, BatchQueue queue, IOptions<DispatchOptions> options,
    JobServerList servers, TimeProvider clock, ILogger<RecoverStalledBatchesStep> log)
    : IReconcileStep
{
    public string Name => "recover-stalled-batches";

    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.StaleAfter;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var processing = await db.Batches.Where(b => b.Status == BatchStatus.Processing)
            .Select(b => new { b.Id, b.ClaimedBy, b.HeartbeatAt }).ToListAsync(cancellationToken);
        var taken = new List<int>();
        var listed = processing.Count == 0 ? null : servers.ServerIds();
        foreach (var batch in processing)
        {
            var dead = BatchClaimer.IsKnownDead(batch.ClaimedBy, listed);
            if (!dead && batch.HeartbeatAt is { } heartbeat && heartbeat >= cutoff)
                continue;
            // Only from the claimer seen here: a batch claimed again meanwhile stays with its new owner.
            if (await db.Batches.Where(b => b.Id == batch.Id && b.Status == BatchStatus.Processing && b.ClaimedBy == batch.ClaimedBy)
                    .ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BatchStatus.Pending).SetProperty(b => b.ClaimedBy, (string?)null),
                        cancellationToken) != 1)
                continue;
            taken.Add(batch.Id);
            log.LogWarning("Batch {BatchId} taken back from {Claimer}: {Why}", batch.Id, batch.ClaimedBy,
                dead
                    ? "its process is no longer running (or has no job server)"
                    : "no heartbeat since " + batch.HeartbeatAt?.ToString("O", CultureInfo.InvariantCulture));
        }
        // Enqueued here, whatever the job storage says: a hung job may still look alive there.
        await queue.EnqueueAsync(taken, cancellationToken);
        return taken.Count;
    }
}

/// <summary>
/// Pending batches that are due and have no live job (in SQLite mode Hangfire forgets its queue on restart; a job may
/// also have failed before claiming) are enqueued again. A spare job is harmless: the claim is conditional. Batches of a
/// paused channel wait for the admin's resume, which enqueues them (no job that would only find the channel paused).
/// </summary>
public sealed class RequeuePendingBatchesStep(IDbContextFactory<AppDbContext> dbs, BatchQueue queue, TimeProvider clock) : IReconcileStep
{
    public string Name => "requeue-pending-batches";

    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var pending = await db.Batches
            .Where(b => b.Status == BatchStatus.Pending && (b.DueAt == null || b.DueAt <= now))
            .Where(b => b.Message!.Status == MessageStatus.Sending || b.Message.Status == MessageStatus.Cancelled)
            .Where(b => b.Message!.Status == MessageStatus.Cancelled || !db.ChannelPauses.Any(p => p.Channel == b.Message.Channel))
            .OrderBy(b => b.Id)
            .Select(b => new { b.Id, b.JobId })
            .ToListAsync(cancellationToken);
        var lost = pending.Where(b => !queue.IsAlive(b.JobId)).Select(b => b.Id).ToList();
        await queue.EnqueueAsync(lost, cancellationToken);
        return lost.Count;
    }
}

/// <summary>Sends whose batches have all ended but that have no final status (the process died in between) get it now.</summary>
public sealed class CompleteFinishedSendsStep(IDbContextFactory<AppDbContext> dbs, SendCompletion completion) : IReconcileStep
{
    public string Name => "complete-finished-sends";

    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var open = await db.Messages
            .Where(m => m.CompletedAt == null && (m.Status == MessageStatus.Sending || m.Status == MessageStatus.Cancelled))
            .Where(m => !db.Batches.Any(b => b.MessageId == m.Id && (b.Status == BatchStatus.Pending || b.Status == BatchStatus.Processing)))
            .Select(m => m.Id).ToListAsync(cancellationToken);
        var completed = 0;
        foreach (var id in open)
            if (await completion.CompleteIfDoneAsync(id, cancellationToken))
                completed++;
        return completed;
    }
}
