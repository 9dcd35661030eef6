using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// Sends one batch. Safe to run twice, or on two workers or processes at once: it claims the batch with a
/// conditional update and does nothing when the claim fails. Hangfire does not retry it: the database is the truth,
/// and reconciliation enqueues again whatever did not finish.
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class SendBatchJob(
    IDbContextFactory<AppDbContext> dbs,
    ChannelAdapters channels,
    ChannelRateLimiter limiter,
    IDispatchProgress progress,
    SendCompletion completion,
    IOptions<DispatchOptions> options,
    TimeProvider clock,
    ILogger<SendBatchJob> log)
{
    private enum Stop
    {
        None,

        /// <summary>The operator cancelled the send.</summary>
        Cancelled,

        /// <summary>The process is shutting down: the batch goes back to Pending for the next start.</summary>
        Shutdown,

        /// <summary>Someone else owns the batch now (it was taken back as stalled).</summary>
        LostClaim,
    }

    private sealed record Recipient(long DeliveryId, int? ContactId, string Address, string? Name, int AttemptNumber);

    private sealed record Content(string Title, string Text, ChannelKind Channel, string? MessageTag);

    [JobDisplayName("Send batch {0}")]
    public async Task RunAsync(int batchId, CancellationToken cancellationToken)
    {
        var worker = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        if (!await ClaimAsync(db, batchId, worker, cancellationToken))
        {
            log.LogDebug("Batch {BatchId} is not pending (done, cancelled, not due or claimed elsewhere): nothing to do", batchId);
            return;
        }

        var batch = await db.Batches.AsNoTracking().SingleAsync(b => b.Id == batchId, cancellationToken);
        progress.BatchChanged(BatchSnapshot.Of(batch));
        using var beating = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = BeatAsync(batchId, worker, beating.Token);
        Stop stop;
        Exception? failure = null;
        try
        {
            stop = await SendAsync(db, batch, worker, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stop = Stop.Shutdown;
        }
        catch (Exception ex)
        {
            (stop, failure) = (Stop.None, ex);
        }
        finally
        {
            await beating.CancelAsync();
            await heartbeat;
        }

        if (failure is not null)
            await FailAsync(batch, worker, failure);
        else
            await FinishAsync(db, batch, worker, stop);
    }

    private async Task<bool> ClaimAsync(AppDbContext db, int batchId, string worker, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Batches
            .Where(b => b.Id == batchId && b.Status == BatchStatus.Pending && (b.DueAt == null || b.DueAt <= now))
            .Where(b => db.Messages.Any(m => m.Id == b.MessageId && (m.Status == MessageStatus.Sending || m.Status == MessageStatus.Cancelled)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Status, BatchStatus.Processing)
                .SetProperty(b => b.ClaimedBy, worker)
                .SetProperty(b => b.HeartbeatAt, now)
                .SetProperty(b => b.StartedAt, b => b.StartedAt ?? now), cancellationToken) == 1;
    }

    private async Task<Stop> SendAsync(AppDbContext db, MessageBatch batch, string worker, CancellationToken cancellationToken)
    {
        var content = await db.Messages.AsNoTracking().Where(m => m.Id == batch.MessageId)
            .Select(m => new Content(m.Title, m.Content, m.Channel, m.MessageTag)).SingleAsync(cancellationToken);

        // Deliveries a dead worker left in Sending have an unknown outcome: they go again. Only these can reach a
        // recipient twice, and there are at most ProgressEvery of them per worker.
        await db.Deliveries.Where(d => d.BatchId == batch.Id && d.Status == DeliveryStatus.Sending)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Pending), cancellationToken);
        var work = await db.Deliveries.AsNoTracking()
            .Where(d => d.BatchId == batch.Id && d.Status == DeliveryStatus.Pending)
            .OrderBy(d => d.Id)
            .Select(d => new Recipient(d.Id, d.ContactId, d.RecipientAddress, d.RecipientName, d.AttemptNumber))
            .ToListAsync(cancellationToken);

        var channel = await channels.ForAsync(content.Channel, cancellationToken);
        foreach (var chunk in work.Chunk(DispatchOptions.ProgressEvery))
        {
            if (await CheckAsync(db, batch.Id, worker, cancellationToken) is not Stop.None and var stop)
                return stop;
            if (cancellationToken.IsCancellationRequested)
                return Stop.Shutdown;

            var sendable = await SkipOptedOutAndMarkSendingAsync(db, batch, chunk, cancellationToken);
            var results = new List<(Recipient Recipient, ChannelResult Result)>();
            var shutdown = false;
            foreach (var recipient in sendable)
            {
                try
                {
                    await limiter.WaitAsync(content.Channel, cancellationToken);
                    results.Add((recipient, await SendOneAsync(channel, batch, recipient, content, cancellationToken)));
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    shutdown = true;
                    break;
                }
            }
            var unsent = sendable.Where(r => results.All(x => x.Recipient != r)).Select(r => r.DeliveryId).ToList();
            await RecordAsync(db, batch, results, unsent);
            progress.Progressed(BatchSnapshot.Of(batch));
            if (shutdown)
                return Stop.Shutdown;
        }
        return Stop.None;
    }

    /// <summary>Between chunks: has the send been cancelled, or has someone else taken the batch?</summary>
    private static async Task<Stop> CheckAsync(AppDbContext db, int batchId, string worker, CancellationToken cancellationToken)
    {
        var state = await db.Batches.Where(b => b.Id == batchId)
            .Select(b => new { b.ClaimedBy, b.Status, MessageStatus = b.Message!.Status })
            .SingleAsync(cancellationToken);
        if (state.ClaimedBy != worker || state.Status != BatchStatus.Processing)
            return Stop.LostClaim;
        return state.MessageStatus == MessageStatus.Cancelled ? Stop.Cancelled : Stop.None;
    }

    /// <summary>
    /// Re-checks opt-outs at send time (those recipients are skipped, never sent to) and marks the rest Sending
    /// before the adapter is called, so a crash leaves them recognisable as "in flight".
    /// </summary>
    private async Task<IReadOnlyList<Recipient>> SkipOptedOutAndMarkSendingAsync(AppDbContext db, MessageBatch batch, Recipient[] chunk,
        CancellationToken cancellationToken)
    {
        var contactIds = chunk.Where(r => r.ContactId is not null).Select(r => r.ContactId!.Value).ToList();
        var optedOut = await db.Contacts.Where(c => contactIds.Contains(c.Id) && c.OptedOut).Select(c => c.Id).ToListAsync(cancellationToken);
        var skip = chunk.Where(r => r.ContactId is { } id && optedOut.Contains(id)).Select(r => r.DeliveryId).ToList();
        if (skip.Count > 0)
        {
            var skipped = 0;
            await db.InTransactionAsync(async ct =>
            {
                skipped = await db.Deliveries.Where(d => skip.Contains(d.Id) && d.Status == DeliveryStatus.Pending)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.Status, DeliveryStatus.Cancelled)
                        .SetProperty(d => d.ErrorMessage, "Opted out before it was sent."), ct);
                await db.Batches.Where(b => b.Id == batch.Id).ExecuteUpdateAsync(s => s.SetProperty(b => b.SkippedCount, b => b.SkippedCount + skipped), ct);
                await db.Messages.Where(m => m.Id == batch.MessageId).ExecuteUpdateAsync(s => s.SetProperty(m => m.SkippedCount, m => m.SkippedCount + skipped), ct);
            }, cancellationToken);
            batch.SkippedCount += skipped;
        }

        var send = chunk.Where(r => !skip.Contains(r.DeliveryId)).ToList();
        var ids = send.Select(r => r.DeliveryId).ToList();
        var marked = await db.Deliveries.Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Sending), cancellationToken);
        if (marked == send.Count)
            return send;
        // Some were cancelled meanwhile: send only those this worker marked.
        var mine = await db.Deliveries.Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Sending).Select(d => d.Id).ToListAsync(cancellationToken);
        return send.Where(r => mine.Contains(r.DeliveryId)).ToList();
    }

    private async Task<ChannelResult> SendOneAsync(IChannel channel, MessageBatch batch, Recipient recipient, Content content, CancellationToken cancellationToken)
    {
        try
        {
            return await channel.SendAsync(new OutgoingMessage(recipient.DeliveryId, batch.MessageId, content.Channel, recipient.Address, recipient.Name,
                recipient.AttemptNumber, content.Title, content.Text, content.MessageTag), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            log.LogWarning(ex, "The {Channel} adapter threw for delivery {DeliveryId}", content.Channel, recipient.DeliveryId);
            return ChannelResult.Failed(ErrorType.Other, "adapter_exception", Truncate($"The adapter failed: {ex.Message}", 1000));
        }
    }

    /// <summary>
    /// Persists a chunk's outcomes, the batch and message counters (set-based increments) and the heartbeat in one
    /// transaction. Each delivery moves from Sending exactly once, so the counters count each recipient once.
    /// Deliveries marked Sending but never handed to the adapter go back to Pending.
    /// </summary>
    private async Task RecordAsync(AppDbContext db, MessageBatch batch, IReadOnlyList<(Recipient Recipient, ChannelResult Result)> results,
        IReadOnlyList<long> unsent)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        int sent = 0, failed = 0;
        // Not cancellable: what reached the provider must be written down, even while shutting down.
        await db.InTransactionAsync(async ct =>
        {
            sent = failed = 0;
            foreach (var (recipient, result) in results)
            {
                var id = recipient.DeliveryId;
                var pending = db.Deliveries.Where(d => d.Id == id && d.Status == DeliveryStatus.Sending);
                if (result.Succeeded)
                    sent += await pending.ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.Status, DeliveryStatus.Sent)
                        .SetProperty(d => d.ProviderMessageId, result.ProviderMessageId)
                        .SetProperty(d => d.SentAt, now), ct);
                else
                    failed += await pending.ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.Status, DeliveryStatus.Failed)
                        .SetProperty(d => d.ErrorCode, result.ErrorCode)
                        .SetProperty(d => d.ErrorType, result.ErrorType)
                        .SetProperty(d => d.ErrorMessage, result.ErrorMessage)
                        .SetProperty(d => d.FailedAt, now), ct);
            }
            if (unsent.Count > 0)
                await db.Deliveries.Where(d => unsent.Contains(d.Id) && d.Status == DeliveryStatus.Sending)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Pending), ct);
            await db.Batches.Where(b => b.Id == batch.Id).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.SentCount, b => b.SentCount + sent)
                .SetProperty(b => b.FailedCount, b => b.FailedCount + failed)
                .SetProperty(b => b.HeartbeatAt, now), ct);
            await db.Messages.Where(m => m.Id == batch.MessageId).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.SentCount, m => m.SentCount + sent)
                .SetProperty(m => m.FailedCount, m => m.FailedCount + failed), ct);
        }, CancellationToken.None);
        batch.SentCount += sent;
        batch.FailedCount += failed;
    }

    private async Task FinishAsync(AppDbContext db, MessageBatch batch, string worker, Stop stop)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var mine = db.Batches.Where(b => b.Id == batch.Id && b.ClaimedBy == worker && b.Status == BatchStatus.Processing);
        switch (stop)
        {
            case Stop.LostClaim:
                log.LogWarning("Batch {BatchId} was taken back from this worker (no heartbeat for too long); its new owner finishes it", batch.Id);
                return;
            case Stop.Shutdown:
                // Back to Pending so the next start (or another instance) picks it up at once, not after StaleAfter.
                await mine.ExecuteUpdateAsync(s => s
                    .SetProperty(b => b.Status, BatchStatus.Pending)
                    .SetProperty(b => b.ClaimedBy, (string?)null)
                    .SetProperty(b => b.JobId, (string?)null), CancellationToken.None);
                batch.Status = BatchStatus.Pending;
                progress.BatchChanged(BatchSnapshot.Of(batch));
                return;
        }

        var status = stop == Stop.Cancelled ? BatchStatus.Cancelled : BatchStatus.Completed;
        await db.InTransactionAsync(async ct =>
        {
            if (status == BatchStatus.Cancelled)
                await db.Deliveries.Where(d => d.BatchId == batch.Id && d.Status == DeliveryStatus.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Cancelled), ct);
            await mine.ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Status, status)
                .SetProperty(b => b.HeartbeatAt, now)
                .SetProperty(b => b.CompletedAt, now), ct);
        }, CancellationToken.None);
        batch.Status = status;
        progress.BatchChanged(BatchSnapshot.Of(batch));
        await completion.CompleteIfDoneAsync(batch.MessageId, CancellationToken.None);
    }

    /// <summary>
    /// The batch itself broke (not a provider error): its unsent deliveries fail with the reason, so they are counted
    /// and can be retried, and the batch ends Failed with the error. If even that cannot be written (the database is
    /// gone), the batch stays Processing and is taken back once its heartbeat is stale.
    /// </summary>
    private async Task FailAsync(MessageBatch batch, string worker, Exception error)
    {
        log.LogError(error, "Batch {BatchId} of message {MessageId} failed", batch.Id, batch.MessageId);
        var reason = Truncate($"The batch stopped: {error.Message}", 1000);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync();
        var failed = 0;
        await db.InTransactionAsync(async ct =>
        {
            failed = await db.Deliveries
                .Where(d => d.BatchId == batch.Id && (d.Status == DeliveryStatus.Pending || d.Status == DeliveryStatus.Sending))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.Status, DeliveryStatus.Failed)
                    .SetProperty(d => d.ErrorType, ErrorType.Other)
                    .SetProperty(d => d.ErrorCode, "batch_failed")
                    .SetProperty(d => d.ErrorMessage, reason)
                    .SetProperty(d => d.FailedAt, now), ct);
            await db.Batches.Where(b => b.Id == batch.Id && b.ClaimedBy == worker).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Status, BatchStatus.Failed)
                .SetProperty(b => b.Error, Truncate(error.ToString(), 2000))
                .SetProperty(b => b.FailedCount, b => b.FailedCount + failed)
                .SetProperty(b => b.CompletedAt, now), ct);
            await db.Messages.Where(m => m.Id == batch.MessageId)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.FailedCount, m => m.FailedCount + failed), ct);
        }, CancellationToken.None);
        batch.Status = BatchStatus.Failed;
        batch.FailedCount += failed;
        progress.BatchChanged(BatchSnapshot.Of(batch));
        await completion.CompleteIfDoneAsync(batch.MessageId, CancellationToken.None);
    }

    /// <summary>Keeps the heartbeat fresh while the batch waits (for the rate limiter or a slow provider) between progress writes.</summary>
    private async Task BeatAsync(int batchId, string worker, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await using var db = await dbs.CreateDbContextAsync(cancellationToken);
                    var now = clock.GetUtcNow().UtcDateTime;
                    await db.Batches.Where(b => b.Id == batchId && b.ClaimedBy == worker && b.Status == BatchStatus.Processing)
                        .ExecuteUpdateAsync(s => s.SetProperty(b => b.HeartbeatAt, now), cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogWarning(ex, "Could not record the heartbeat of batch {BatchId}", batchId);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
