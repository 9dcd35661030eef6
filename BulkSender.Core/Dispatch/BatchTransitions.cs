using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// Every database transition of one batch run, for <see cref="SendBatchJob"/>: claim, read the recipients, mark a chunk
/// Sending, resolve a chunk that was not fully marked, record a chunk, heartbeat, release back to Pending, finish, fail.
/// Each is a set-based statement (or a few in one transaction) whose WHERE clause holds its guard: a batch this worker
/// still owns, a delivery still in the state it expects. Counters move through <see cref="RecipientCounts"/>.
/// <see cref="Batch"/> mirrors what was written, for progress reports.
/// </summary>
internal sealed class BatchTransitions : IAsyncDisposable
{
    private const string OptedOutNote = "Opted out before it was sent.";

    private readonly IDbContextFactory<AppDbContext> dbs;
    private readonly AppDbContext db;
    private readonly TimeProvider clock;
    private readonly string worker;

    private BatchTransitions(IDbContextFactory<AppDbContext> dbs, AppDbContext db, TimeProvider clock, string worker, MessageBatch batch) =>
        (this.dbs, this.db, this.clock, this.worker, Batch) = (dbs, db, clock, worker, batch);

    public MessageBatch Batch { get; }

    public BatchSnapshot Snapshot => BatchSnapshot.Of(Batch);

    /// <summary>
    /// The claim: Pending and due becomes Processing, owned by <paramref name="worker"/>, in one conditional update.
    /// Null when it fails (done, cancelled, not due, its channel paused, or claimed elsewhere): a second run does nothing.
    /// </summary>
    public static async Task<BatchTransitions?> ClaimAsync(IDbContextFactory<AppDbContext> dbs, TimeProvider clock, int batchId, string worker,
        CancellationToken cancellationToken)
    {
        var db = await dbs.CreateDbContextAsync(cancellationToken);
        try
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var claimed = await db.InTransactionAsync(ct => db.Batches
                .Where(b => b.Id == batchId && b.Status == BatchStatus.Pending && (b.DueAt == null || b.DueAt <= now))
                .Where(b => db.Messages.Any(m => m.Id == b.MessageId && (m.Status == MessageStatus.Sending || m.Status == MessageStatus.Cancelled)))
                .Where(b => !db.ChannelPauses.Any(p => p.Channel == b.Message!.Channel && b.Message.Status == MessageStatus.Sending))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(b => b.Status, BatchStatus.Processing)
                    .SetProperty(b => b.ClaimedBy, worker)
                    .SetProperty(b => b.HeartbeatAt, now)
                    .SetProperty(b => b.StartedAt, b => b.StartedAt ?? now), ct), cancellationToken) == 1;
            if (claimed)
            {
                var batch = await db.Batches.AsNoTracking().SingleAsync(b => b.Id == batchId, cancellationToken);
                return new BatchTransitions(dbs, db, clock, worker, batch);
            }
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
        await db.DisposeAsync();
        return null;
    }

    public Task<BatchContent> ContentAsync(CancellationToken cancellationToken) =>
        db.Messages.AsNoTracking().Where(m => m.Id == Batch.MessageId)
            .Select(m => new BatchContent(m.Title, m.Content, m.Channel, m.MessageTag, m.WhatsAppTemplate, m.AttachmentId))
            .SingleAsync(cancellationToken);

    /// <summary>
    /// The batch's Pending recipients in chunks of <see cref="DispatchOptions.ProgressEvery"/>, with their contacts' last
    /// inbound times. Deliveries a dead worker left in Sending have an unknown outcome: they go back to Pending and
    /// again. Only these can reach a recipient twice: per batch, at most its sends in flight at its last write (no more
    /// than the channel's MaxInFlight) plus one chunk of ProgressEvery.
    /// </summary>
    public Task<List<BatchRecipient[]>> RecipientsAsync(CancellationToken cancellationToken) =>
        db.InTransactionAsync(async ct =>
        {
            await db.Deliveries.Where(d => d.BatchId == Batch.Id && d.Status == DeliveryStatus.Sending)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Pending), ct);
            var work = await db.Deliveries.AsNoTracking()
                .Where(d => d.BatchId == Batch.Id && d.Status == DeliveryStatus.Pending)
                .OrderBy(d => d.Id)
                .Select(d => new BatchRecipient(d.Id, d.ContactId, d.RecipientAddress, d.RecipientName, d.AttemptNumber,
                    db.Contacts.Where(c => c.Id == d.ContactId).Select(c => c.LastInboundAt).FirstOrDefault()))
                .ToListAsync(ct);
            return work.Chunk(DispatchOptions.ProgressEvery).ToList();
        }, cancellationToken);

    /// <summary>The custom field values of the batch's contacts (personalization), by contact: one query per 1,000 contacts.</summary>
    public async Task<IReadOnlyDictionary<int, Dictionary<string, string>>> FieldValuesAsync(IReadOnlyList<int> contactIds,
        CancellationToken cancellationToken)
    {
        var values = new Dictionary<int, Dictionary<string, string>>();
        foreach (var chunk in contactIds.Distinct().Chunk(1000))
        {
            foreach (var value in await db.ContactFieldValues.AsNoTracking().Where(v => chunk.Contains(v.ContactId)).ToListAsync(cancellationToken))
            {
                if (!values.TryGetValue(value.ContactId, out var fields))
                    values[value.ContactId] = fields = new Dictionary<string, string>(StringComparer.Ordinal);
                fields[value.FieldKey] = value.Value;
            }
        }
        return values;
    }

    /// <summary>Marks the first chunk Sending in a transaction of its own; returns how many were marked.</summary>
    public Task<int> MarkFirstAsync(BatchRecipient[] chunk, CancellationToken cancellationToken) =>
        db.InTransactionAsync(ct => MarkSendingAsync(chunk, ct), cancellationToken);

    /// <summary>
    /// Marks a chunk Sending before the adapter is called, so a crash leaves it recognisable as "in flight". Only
    /// while this worker still owns the batch, the send is not cancelled, and the contact has not opted out.
    /// </summary>
    private Task<int> MarkSendingAsync(BatchRecipient[] chunk, CancellationToken cancellationToken)
    {
        var ids = chunk.Select(r => r.DeliveryId).ToList();
        var (batchId, messageId, owner) = (Batch.Id, Batch.MessageId, worker);
        return db.Deliveries
            .Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Pending)
            .Where(d => !db.Contacts.Any(c => c.Id == d.ContactId && c.OptedOut))
            .Where(d => db.Batches.Any(b => b.Id == batchId && b.ClaimedBy == owner && b.Status == BatchStatus.Processing))
            .Where(d => db.Messages.Any(m => m.Id == messageId && m.Status == MessageStatus.Sending))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Sending), cancellationToken);
    }

    /// <summary>
    /// A chunk was not fully marked: the send was cancelled, the batch was taken back, or contacts opted out since the
    /// send was created (they are skipped, never sent to). Says which, and returns what this worker may send.
    /// </summary>
    public async Task<(IReadOnlyList<BatchRecipient> Sending, BatchStop Stop)> ResolveAsync(BatchRecipient[] chunk,
        CancellationToken cancellationToken)
    {
        var ids = chunk.Select(r => r.DeliveryId).ToList();
        var state = await db.Batches.Where(b => b.Id == Batch.Id)
            .Select(b => new { b.ClaimedBy, b.Status, MessageStatus = b.Message!.Status })
            .SingleAsync(cancellationToken);
        if (state.ClaimedBy != worker || state.Status != BatchStatus.Processing)
            return ([], BatchStop.LostClaim);
        if (state.MessageStatus == MessageStatus.Cancelled)
            return ([], BatchStop.Cancelled);

        var skipped = await db.InTransactionAsync(async ct =>
        {
            var count = await db.Deliveries
                .Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Pending && db.Contacts.Any(c => c.Id == d.ContactId && c.OptedOut))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.Status, DeliveryStatus.Cancelled)
                    .SetProperty(d => d.ErrorMessage, OptedOutNote), ct);
            var counts = new RecipientCounts(Skipped: count);
            await db.Batches.Where(b => b.Id == Batch.Id).ExecuteUpdateAsync(counts.AddTo, ct);
            await db.Messages.Where(m => m.Id == Batch.MessageId).ExecuteUpdateAsync(counts.AddTo, ct);
            return count;
        }, cancellationToken);
        Batch.SkippedCount += skipped;
        var mine = await db.Deliveries.Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Sending)
            .Select(d => d.Id).ToListAsync(cancellationToken);
        return (chunk.Where(r => mine.Contains(r.DeliveryId)).ToList(), BatchStop.None);
    }

    /// <summary>Which of the chunk's contacts have opted out by now (a handful of ids, by primary key).</summary>
    public async Task<IReadOnlySet<int>> OptedOutAsync(IReadOnlyList<BatchRecipient> chunk)
    {
        var ids = chunk.Where(r => r.ContactId is not null).Select(r => r.ContactId!.Value).ToList();
        // Not cancellable: the chunk's sends so far must still be recorded.
        return (await db.Contacts.Where(c => ids.Contains(c.Id) && c.OptedOut).Select(c => c.Id).ToListAsync(CancellationToken.None)).ToHashSet();
    }

    /// <summary>
    /// One transaction: the chunk's outcomes, the batch and message counters (set-based increments), the heartbeat,
    /// and the next chunk marked Sending. Each delivery leaves Sending exactly once, so every recipient is counted once.
    /// Deliveries marked Sending but never handed to the adapter go back to Pending; those still waiting for the
    /// provider stay Sending until a later write. Returns how many of
    /// <paramref name="next"/> were marked.
    /// </summary>
    public async Task<int> RecordAsync(ChunkOutcome chunk, BatchRecipient[]? next)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var (counts, marked) = await db.InTransactionAsync(async ct =>
        {
            var skipped = chunk.Skipped.Count == 0 ? 0 : await DeliveriesInSending(chunk.Skipped)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Cancelled).SetProperty(d => d.ErrorMessage, OptedOutNote), ct);
            var sent = await RecordSentAsync(chunk.Results.Where(r => r.Result.Succeeded).ToList(), now, ct);
            var initiated = chunk.Results.Where(r => r.Result.Succeeded && r.Recipient.BusinessInitiated)
                .Select(r => r.Recipient.DeliveryId).ToList();
            if (initiated.Count > 0)
                await db.Deliveries.Where(d => initiated.Contains(d.Id)).ExecuteUpdateAsync(s => s.SetProperty(d => d.BusinessInitiated, true), ct);
            var failed = 0;
            foreach (var (recipient, result) in chunk.Results.Where(r => !r.Result.Succeeded))
                failed += await db.Deliveries.Where(d => d.Id == recipient.DeliveryId && d.Status == DeliveryStatus.Sending)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.Status, DeliveryStatus.Failed)
                        .SetProperty(d => d.ErrorCode, result.ErrorCode)
                        .SetProperty(d => d.ErrorType, result.ErrorType)
                        .SetProperty(d => d.ErrorMessage, result.ErrorMessage)
                        .SetProperty(d => d.RetryNotBefore, result.NotBefore)
                        .SetProperty(d => d.FailedAt, now), ct);
            if (chunk.Unsent.Count > 0)
                await DeliveriesInSending(chunk.Unsent).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Pending), ct);
            var counts = new RecipientCounts(sent, failed, skipped);
            await db.Batches.Where(b => b.Id == Batch.Id).ExecuteUpdateAsync(s =>
            {
                counts.AddTo(s);
                s.SetProperty(b => b.HeartbeatAt, now);
            }, ct);
            await db.Messages.Where(m => m.Id == Batch.MessageId).ExecuteUpdateAsync(counts.AddTo, ct);
            return (counts, next is null ? 0 : await MarkSendingAsync(next, ct));
        }, CancellationToken.None); // What reached the provider is written down, even while shutting down.
        Batch.SentCount += counts.Sent;
        Batch.FailedCount += counts.Failed;
        Batch.SkippedCount += counts.Skipped;
        return marked;
    }

    private IQueryable<Delivery> DeliveriesInSending(IReadOnlyList<BatchRecipient> recipients)
    {
        var ids = recipients.Select(r => r.DeliveryId).ToList();
        return db.Deliveries.Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Sending);
    }

    /// <summary>
    /// All successes of a chunk in one statement, each with its own provider message id and the time the provider
    /// accepted it (read watermarks are compared with it), or <paramref name="now"/> when the channel did not say.
    /// </summary>
    private Task<int> RecordSentAsync(List<(BatchRecipient Recipient, ChannelResult Result)> sent, DateTime now,
        CancellationToken cancellationToken)
    {
        if (sent.Count == 0)
            return Task.FromResult(0);
        return db.ExecuteAsync(RecordSentSql(sent.Select(s => (s.Recipient.DeliveryId, s.Result.ProviderMessageId, s.Result.AcceptedAt)).ToList(),
            now, Precise), cancellationToken);
    }

    /// <summary>
    /// The statement of <see cref="RecordSentAsync"/>: per delivery its provider message id and acceptance time
    /// (<paramref name="now"/> when null), each time passed through <paramref name="time"/> (a datetime2 parameter).
    /// </summary>
    internal static RawSql RecordSentSql(IReadOnlyList<(long DeliveryId, string? ProviderMessageId, DateTime? AcceptedAt)> sent, DateTime now,
        Func<DateTime, object> time)
    {
        var args = new List<object> { nameof(DeliveryStatus.Sent), time(now), nameof(DeliveryStatus.Sending) };
        var sql = new StringBuilder("""UPDATE "Deliveries" SET "Status" = {0}, "ProviderMessageId" = CASE "Id" """);
        foreach (var (deliveryId, providerMessageId, _) in sent)
        {
            sql.Append(CultureInfo.InvariantCulture, $"WHEN {deliveryId} THEN {{{args.Count}}} ");
            args.Add(providerMessageId ?? "");
        }
        sql.Append("""END, "SentAt" = """);
        var accepted = sent.Where(r => r.AcceptedAt is not null).ToList();
        if (accepted.Count > 0)
        {
            sql.Append("""CASE "Id" """);
            foreach (var (deliveryId, _, acceptedAt) in accepted)
            {
                sql.Append(CultureInfo.InvariantCulture, $"WHEN {deliveryId} THEN {{{args.Count}}} ");
                args.Add(time(acceptedAt!.Value));
            }
            sql.Append("ELSE {1} END");
        }
        else
            sql.Append("{1}");
        sql.Append(""" WHERE "Status" = {2} AND "Id" IN (""")
            .AppendJoin(',', sent.Select(r => r.DeliveryId.ToString(CultureInfo.InvariantCulture)))
            .Append(')');
        return new RawSql(sql.ToString(), args);
    }

    /// <summary>
    /// A time as a datetime2 parameter (on PostgreSQL the time itself): SqlClient would send a bare DateTime as datetime, rounded to 1/300 s, and
    /// a read watermark a millisecond after the acceptance time would then miss the message.
    /// </summary>
    private object Precise(DateTime value)
    {
        // Npgsql sends a UTC DateTime as timestamp with time zone, exactly; DbType.DateTime2 would make it a timestamp without.
        if (db.Database.IsNpgsql())
            return value;
        using var command = db.Database.GetDbConnection().CreateCommand();
        var parameter = command.CreateParameter();
        (parameter.DbType, parameter.Value) = (DbType.DateTime2, value);
        return parameter;
    }

    /// <summary>
    /// Keeps the heartbeat fresh while the batch waits (for the rate limiter or a slow provider) between progress
    /// writes: one update every <paramref name="interval"/> through a context of its own, until cancelled. Each beat
    /// also asks whether the send was cancelled (on another instance too), and tells <paramref name="sendCancelled"/>:
    /// calls that wait out a long back-off learn of it within one beat, not at the next chunk.
    /// </summary>
    public async Task BeatEveryAsync(TimeSpan interval, Action sendCancelled, ILogger log, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await using var beat = await dbs.CreateDbContextAsync(cancellationToken);
                    var now = clock.GetUtcNow().UtcDateTime;
                    await beat.InTransactionAsync(ct => Mine(beat)
                        .ExecuteUpdateAsync(s => s.SetProperty(b => b.HeartbeatAt, now), ct), cancellationToken);
                    if (await beat.Messages.AnyAsync(m => m.Id == Batch.MessageId && m.Status == MessageStatus.Cancelled, cancellationToken))
                        sendCancelled();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogWarning(ex, "Could not record the heartbeat of batch {BatchId}", Batch.Id);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Back to Pending and unowned: after a shutdown so the next start (or another instance) picks it up at once, not
    /// after StaleAfter; with <paramref name="resumeAt"/> (the daily limit) due then.
    /// </summary>
    public async Task ReleaseAsync(DateTime? resumeAt)
    {
        await db.InTransactionAsync(ct => Mine(db).ExecuteUpdateAsync(s => s
            .SetProperty(b => b.Status, BatchStatus.Pending)
            .SetProperty(b => b.ClaimedBy, (string?)null)
            .SetProperty(b => b.JobId, (string?)null)
            .SetProperty(b => b.DueAt, b => resumeAt ?? b.DueAt), ct), CancellationToken.None);
        (Batch.Status, Batch.DueAt) = (BatchStatus.Pending, resumeAt ?? Batch.DueAt);
    }

    /// <summary>The batch ends Completed, or Cancelled with its still-Pending deliveries.</summary>
    public async Task FinishAsync(BatchStatus status)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.InTransactionAsync(async ct =>
        {
            if (status == BatchStatus.Cancelled)
                await db.Deliveries.Where(d => d.BatchId == Batch.Id && d.Status == DeliveryStatus.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Cancelled), ct);
            return await Mine(db).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Status, status)
                .SetProperty(b => b.HeartbeatAt, now)
                .SetProperty(b => b.CompletedAt, now), ct);
        }, CancellationToken.None);
        Batch.Status = status;
    }

    /// <summary>
    /// The batch itself broke (not a provider error): its unsent deliveries fail with the reason, so they are counted
    /// and can be retried, and the batch ends Failed with the error. Written through a fresh context: the run's own
    /// may be what broke. If even that cannot be written (the database is gone), the batch stays Processing and is
    /// taken back once its heartbeat is stale.
    /// </summary>
    public async Task FailAsync(Exception error)
    {
        var reason = Truncate($"The batch stopped: {error.Message}", 1000);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var fresh = await dbs.CreateDbContextAsync();
        var failed = await fresh.InTransactionAsync(async ct =>
        {
            var failed = await fresh.Deliveries
                .Where(d => d.BatchId == Batch.Id && (d.Status == DeliveryStatus.Pending || d.Status == DeliveryStatus.Sending))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.Status, DeliveryStatus.Failed)
                    .SetProperty(d => d.ErrorType, ErrorType.Other)
                    .SetProperty(d => d.ErrorCode, "batch_failed")
                    .SetProperty(d => d.ErrorMessage, reason)
                    .SetProperty(d => d.FailedAt, now), ct);
            var counts = new RecipientCounts(Failed: failed);
            await fresh.Batches.Where(b => b.Id == Batch.Id && b.ClaimedBy == worker).ExecuteUpdateAsync(s =>
            {
                s.SetProperty(b => b.Status, BatchStatus.Failed)
                    .SetProperty(b => b.Error, Truncate(error.ToString(), 2000))
                    .SetProperty(b => b.CompletedAt, now);
                counts.AddTo(s);
            }, ct);
            await fresh.Messages.Where(m => m.Id == Batch.MessageId).ExecuteUpdateAsync(counts.AddTo, ct);
            return failed;
        }, CancellationToken.None);
        Batch.Status = BatchStatus.Failed;
        Batch.FailedCount += failed;
    }

    public ValueTask DisposeAsync() => db.DisposeAsync();

    internal static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    /// <summary>The batch while this worker still owns it: the guard of every write after the claim.</summary>
    private IQueryable<MessageBatch> Mine(AppDbContext context)
    {
        var (batchId, owner) = (Batch.Id, worker);
        return context.Batches.Where(b => b.Id == batchId && b.ClaimedBy == owner && b.Status == BatchStatus.Processing);
    }
}
