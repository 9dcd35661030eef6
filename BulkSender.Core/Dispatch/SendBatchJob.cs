using System.Globalization;
using System.Text;
using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
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
/// <remarks>
/// Recipients go in chunks of <see cref="DispatchOptions.ProgressEvery"/>. A chunk is marked Sending in one
/// conditional update (which is also the check for cancellation, for a lost claim and for opt-outs), handed to the
/// channel one by one through the shared rate limiter, and recorded, with the counters and the heartbeat, in the same
/// transaction that marks the next chunk. A contact of this process who opts out while its chunk is in flight raises
/// <see cref="OptOutSignal"/>: the chunk's opted-out flags are read again before the next recipient goes, so nobody
/// gets a message after opting out (another instance's opt-out counts from the next chunk).
/// Messenger recipients outside the 24-hour window fail as permission ("outside the 24-hour messaging window") without
/// reaching the provider, unless the message has a tag; the contacts' last inbound times come with the batch's
/// recipients, in the same query. A channel with a daily limit (e-mail) is sent to while the day's allowance lasts
/// (<see cref="DailySendQuota"/>); then the batch is held, Pending and due at the next UTC day, where reconciliation
/// enqueues it again. Its unsent recipients stay Pending: nothing fails and no attempt is used up.
/// </remarks>
[AutomaticRetry(Attempts = 0)]
public sealed class SendBatchJob(
    IDbContextFactory<AppDbContext> dbs,
    ChannelAdapters channels,
    ChannelRateLimiter limiter,
    DailySendQuota quota,
    OptOutSignal optOuts,
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

        /// <summary>The channel's daily limit is used up: the batch goes back to Pending, due at the next UTC day.</summary>
        DailyLimit,
    }

    /// <summary>A delivery to send, with its contact's last inbound time (Messenger's 24-hour window), read once per batch.</summary>
    private sealed record Recipient(long DeliveryId, int? ContactId, string Address, string? Name, int AttemptNumber, DateTime? LastInboundAt);

    private const string OptedOutNote = "Opted out before it was sent.";
    private static readonly IReadOnlySet<int> NoOne = new HashSet<int>();

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
        return await db.InTransactionAsync(ct => db.Batches
            .Where(b => b.Id == batchId && b.Status == BatchStatus.Pending && (b.DueAt == null || b.DueAt <= now))
            .Where(b => db.Messages.Any(m => m.Id == b.MessageId && (m.Status == MessageStatus.Sending || m.Status == MessageStatus.Cancelled)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Status, BatchStatus.Processing)
                .SetProperty(b => b.ClaimedBy, worker)
                .SetProperty(b => b.HeartbeatAt, now)
                .SetProperty(b => b.StartedAt, b => b.StartedAt ?? now), ct), cancellationToken) == 1;
    }

    private async Task<Stop> SendAsync(AppDbContext db, MessageBatch batch, string worker, CancellationToken cancellationToken)
    {
        var content = await db.Messages.AsNoTracking().Where(m => m.Id == batch.MessageId)
            .Select(m => new Content(m.Title, m.Content, m.Channel, m.MessageTag)).SingleAsync(cancellationToken);
        var channel = await channels.ForAsync(content.Channel, cancellationToken);
        var dailyLimit = await quota.LimitAsync(content.Channel, cancellationToken);

        // Deliveries a dead worker left in Sending have an unknown outcome: they go again. Only these can reach a
        // recipient twice, and there are at most ProgressEvery of them per worker.
        var chunks = await db.InTransactionAsync(async ct =>
        {
            await db.Deliveries.Where(d => d.BatchId == batch.Id && d.Status == DeliveryStatus.Sending)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Pending), ct);
            var work = await db.Deliveries.AsNoTracking()
                .Where(d => d.BatchId == batch.Id && d.Status == DeliveryStatus.Pending)
                .OrderBy(d => d.Id)
                .Select(d => new Recipient(d.Id, d.ContactId, d.RecipientAddress, d.RecipientName, d.AttemptNumber,
                    db.Contacts.Where(c => c.Id == d.ContactId).Select(c => c.LastInboundAt).FirstOrDefault()))
                .ToListAsync(ct);
            return work.Chunk(DispatchOptions.ProgressEvery).ToList();
        }, cancellationToken);
        if (chunks.Count == 0)
            return Stop.None;

        var seen = optOuts.Version; // read before marking: an opt-out after this raises the signal
        var marked = await db.InTransactionAsync(ct => MarkSendingAsync(db, batch, worker, chunks[0], ct), cancellationToken);
        for (var i = 0; ; i++)
        {
            var (sending, stop) = marked == chunks[i].Length
                ? (chunks[i], Stop.None)
                : await ResolveAsync(db, batch, worker, chunks[i], cancellationToken);
            if (stop != Stop.None)
                return stop;

            var results = new List<(Recipient Recipient, ChannelResult Result)>(sending.Count);
            var skipped = new List<Recipient>();
            var optedOut = NoOne;
            var (shutdown, held) = (false, false);
            foreach (var recipient in sending)
            {
                if (optOuts.Version is var version && version != seen)
                    (seen, optedOut) = (version, await OptedOutAsync(db, sending));
                if (recipient.ContactId is { } contactId && optedOut.Contains(contactId))
                {
                    skipped.Add(recipient);
                    continue;
                }
                // Outside Messenger's 24-hour window without a tag: refused here, the provider is never asked.
                if (MessagingWindow.Check(content.Channel, recipient.LastInboundAt, content.MessageTag, clock.GetUtcNow()) is { } refused)
                {
                    results.Add((recipient, refused));
                    continue;
                }
                try
                {
                    if (dailyLimit is { } limit && !await quota.TryTakeAsync(content.Channel, limit, cancellationToken))
                    {
                        held = true;
                        break;
                    }
                    await limiter.WaitAsync(content.Channel, cancellationToken);
                    results.Add((recipient, await SendOneAsync(channel, batch, recipient, content, cancellationToken)));
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    shutdown = true;
                    break;
                }
            }

            var next = shutdown || held || i + 1 == chunks.Count ? null : chunks[i + 1];
            seen = optOuts.Version;
            var unsent = sending.Skip(results.Count + skipped.Count).ToList();
            marked = await RecordAsync(db, batch, worker, results, skipped, unsent, next);
            progress.Progressed(BatchSnapshot.Of(batch));
            if (shutdown)
                return Stop.Shutdown;
            if (held)
                return Stop.DailyLimit;
            if (next is null)
                return Stop.None;
        }
    }

    /// <summary>
    /// Marks a chunk Sending before the adapter is called, so a crash leaves it recognisable as "in flight". Only
    /// while this worker still owns the batch, the send is not cancelled, and the contact has not opted out.
    /// </summary>
    private static Task<int> MarkSendingAsync(AppDbContext db, MessageBatch batch, string worker, Recipient[] chunk, CancellationToken cancellationToken)
    {
        var ids = chunk.Select(r => r.DeliveryId).ToList();
        var (batchId, messageId) = (batch.Id, batch.MessageId);
        return db.Deliveries
            .Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Pending)
            .Where(d => !db.Contacts.Any(c => c.Id == d.ContactId && c.OptedOut))
            .Where(d => db.Batches.Any(b => b.Id == batchId && b.ClaimedBy == worker && b.Status == BatchStatus.Processing))
            .Where(d => db.Messages.Any(m => m.Id == messageId && m.Status == MessageStatus.Sending))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Sending), cancellationToken);
    }

    /// <summary>
    /// A chunk was not fully marked: the send was cancelled, the batch was taken back, or contacts opted out since the
    /// send was created (they are skipped, never sent to). Says which, and returns what this worker may send.
    /// </summary>
    private async Task<(IReadOnlyList<Recipient> Sending, Stop Stop)> ResolveAsync(AppDbContext db, MessageBatch batch, string worker, Recipient[] chunk,
        CancellationToken cancellationToken)
    {
        var ids = chunk.Select(r => r.DeliveryId).ToList();
        var state = await db.Batches.Where(b => b.Id == batch.Id)
            .Select(b => new { b.ClaimedBy, b.Status, MessageStatus = b.Message!.Status })
            .SingleAsync(cancellationToken);
        if (state.ClaimedBy != worker || state.Status != BatchStatus.Processing)
            return ([], Stop.LostClaim);
        if (state.MessageStatus == MessageStatus.Cancelled)
            return ([], Stop.Cancelled);

        var skipped = await db.InTransactionAsync(async ct =>
        {
            var count = await db.Deliveries
                .Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Pending && db.Contacts.Any(c => c.Id == d.ContactId && c.OptedOut))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.Status, DeliveryStatus.Cancelled)
                    .SetProperty(d => d.ErrorMessage, OptedOutNote), ct);
            await db.Batches.Where(b => b.Id == batch.Id).ExecuteUpdateAsync(s => s.SetProperty(b => b.SkippedCount, b => b.SkippedCount + count), ct);
            await db.Messages.Where(m => m.Id == batch.MessageId).ExecuteUpdateAsync(s => s.SetProperty(m => m.SkippedCount, m => m.SkippedCount + count), ct);
            return count;
        }, cancellationToken);
        batch.SkippedCount += skipped;
        var mine = await db.Deliveries.Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Sending).Select(d => d.Id).ToListAsync(cancellationToken);
        return (chunk.Where(r => mine.Contains(r.DeliveryId)).ToList(), Stop.None);
    }

    /// <summary>Which of the chunk's contacts have opted out by now (a handful of ids, by primary key).</summary>
    private static async Task<IReadOnlySet<int>> OptedOutAsync(AppDbContext db, IReadOnlyList<Recipient> chunk)
    {
        var ids = chunk.Where(r => r.ContactId is not null).Select(r => r.ContactId!.Value).ToList();
        // Not cancellable: the chunk's sends so far must still be recorded.
        return (await db.Contacts.Where(c => ids.Contains(c.Id) && c.OptedOut).Select(c => c.Id).ToListAsync(CancellationToken.None)).ToHashSet();
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
    /// One transaction: the chunk's outcomes, the batch and message counters (set-based increments), the heartbeat,
    /// and the next chunk marked Sending. Each delivery leaves Sending exactly once, so every recipient is counted once.
    /// Deliveries marked Sending but never handed to the adapter go back to Pending. Returns how many of
    /// <paramref name="next"/> were marked.
    /// </summary>
    private async Task<int> RecordAsync(AppDbContext db, MessageBatch batch, string worker, IReadOnlyList<(Recipient Recipient, ChannelResult Result)> results,
        IReadOnlyList<Recipient> skipped, IReadOnlyList<Recipient> unsent, Recipient[]? next)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var (sent, failed, optedOut, marked) = await db.InTransactionAsync(async ct =>
        {
            var optedOut = 0;
            if (skipped.Count > 0)
            {
                var ids = skipped.Select(r => r.DeliveryId).ToList();
                optedOut = await db.Deliveries.Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Sending)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Cancelled).SetProperty(d => d.ErrorMessage, OptedOutNote), ct);
            }
            var sent = await RecordSentAsync(db, results.Where(r => r.Result.Succeeded).ToList(), now, ct);
            var failed = 0;
            foreach (var (recipient, result) in results.Where(r => !r.Result.Succeeded))
                failed += await db.Deliveries.Where(d => d.Id == recipient.DeliveryId && d.Status == DeliveryStatus.Sending)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.Status, DeliveryStatus.Failed)
                        .SetProperty(d => d.ErrorCode, result.ErrorCode)
                        .SetProperty(d => d.ErrorType, result.ErrorType)
                        .SetProperty(d => d.ErrorMessage, result.ErrorMessage)
                        .SetProperty(d => d.FailedAt, now), ct);
            if (unsent.Count > 0)
            {
                var ids = unsent.Select(r => r.DeliveryId).ToList();
                await db.Deliveries.Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Sending)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Pending), ct);
            }
            await db.Batches.Where(b => b.Id == batch.Id).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.SentCount, b => b.SentCount + sent)
                .SetProperty(b => b.FailedCount, b => b.FailedCount + failed)
                .SetProperty(b => b.SkippedCount, b => b.SkippedCount + optedOut)
                .SetProperty(b => b.HeartbeatAt, now), ct);
            await db.Messages.Where(m => m.Id == batch.MessageId).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.SentCount, m => m.SentCount + sent)
                .SetProperty(m => m.FailedCount, m => m.FailedCount + failed)
                .SetProperty(m => m.SkippedCount, m => m.SkippedCount + optedOut), ct);
            var marked = next is null ? 0 : await MarkSendingAsync(db, batch, worker, next, ct);
            return (sent, failed, optedOut, marked);
        }, CancellationToken.None); // What reached the provider is written down, even while shutting down.
        batch.SentCount += sent;
        batch.FailedCount += failed;
        batch.SkippedCount += optedOut;
        return marked;
    }

    /// <summary>All successes of a chunk in one statement (each with its own provider message id).</summary>
    private static Task<int> RecordSentAsync(AppDbContext db, IReadOnlyList<(Recipient Recipient, ChannelResult Result)> sent, DateTime now,
        CancellationToken cancellationToken)
    {
        if (sent.Count == 0)
            return Task.FromResult(0);
        var args = new List<object> { nameof(DeliveryStatus.Sent), now, nameof(DeliveryStatus.Sending) };
        var sql = new StringBuilder("""UPDATE "Deliveries" SET "Status" = {0}, "SentAt" = {1}, "ProviderMessageId" = CASE "Id" """);
        foreach (var (recipient, result) in sent)
        {
            sql.Append(CultureInfo.InvariantCulture, $"WHEN {recipient.DeliveryId} THEN {{{args.Count}}} ");
            args.Add(result.ProviderMessageId ?? "");
        }
        sql.Append("""END WHERE "Status" = {2} AND "Id" IN (""")
            .AppendJoin(',', sent.Select(r => r.Recipient.DeliveryId.ToString(CultureInfo.InvariantCulture)))
            .Append(')');
        return db.Database.ExecuteSqlRawAsync(sql.ToString(), args, cancellationToken);
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
            case Stop.Shutdown or Stop.DailyLimit:
                // Back to Pending: after a shutdown so the next start (or another instance) picks it up at once, not
                // after StaleAfter; after the day's allowance is used up, due at the next UTC day.
                DateTime? resumeAt = stop == Stop.DailyLimit ? quota.NextDay() : null;
                await db.InTransactionAsync(ct => mine.ExecuteUpdateAsync(s => s
                    .SetProperty(b => b.Status, BatchStatus.Pending)
                    .SetProperty(b => b.ClaimedBy, (string?)null)
                    .SetProperty(b => b.JobId, (string?)null)
                    .SetProperty(b => b.DueAt, b => resumeAt ?? b.DueAt), ct), CancellationToken.None);
                if (resumeAt is not null)
                    log.LogInformation("The channel's daily limit is reached: batch {BatchId} of message {MessageId} goes on at {ResumeAt:u}", batch.Id, batch.MessageId, resumeAt);
                (batch.Status, batch.DueAt) = (BatchStatus.Pending, resumeAt ?? batch.DueAt);
                progress.BatchChanged(BatchSnapshot.Of(batch));
                return;
        }

        var status = stop == Stop.Cancelled ? BatchStatus.Cancelled : BatchStatus.Completed;
        await db.InTransactionAsync(async ct =>
        {
            if (status == BatchStatus.Cancelled)
                await db.Deliveries.Where(d => d.BatchId == batch.Id && d.Status == DeliveryStatus.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Cancelled), ct);
            return await mine.ExecuteUpdateAsync(s => s
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
        var failed = await db.InTransactionAsync(async ct =>
        {
            var failed = await db.Deliveries
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
            return failed;
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
                    await db.InTransactionAsync(ct => db.Batches.Where(b => b.Id == batchId && b.ClaimedBy == worker && b.Status == BatchStatus.Processing)
                        .ExecuteUpdateAsync(s => s.SetProperty(b => b.HeartbeatAt, now), ct), cancellationToken);
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
