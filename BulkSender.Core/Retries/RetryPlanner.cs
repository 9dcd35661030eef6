using System.Data;
using System.Globalization;
using BulkSender.Core.Activity;
using BulkSender.Core.Campaigns;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Retries;

/// <summary>Which failed recipients to retry: all retryable ones, or only some recipients and/or error types.</summary>
public sealed record RetryRequest(IReadOnlyCollection<int>? ContactIds = null, IReadOnlyCollection<ErrorType>? ErrorTypes = null)
{
    public static readonly RetryRequest All = new();
}

public enum RetryStatus
{
    Started,
    NotFound,

    /// <summary>The send (or a previous round) is still running.</summary>
    StillSending,

    /// <summary>Drafts, scheduled and cancelled sends are not retried.</summary>
    NotRetryable,
    NothingToRetry,

    /// <summary>The chosen recipients may be retried, but not yet (the provider asked to wait; <see cref="RetryOutcome.NotBefore"/>).</summary>
    NotYetDue,
}

/// <summary>A retry round: how many recipients, in which batches (numbered after the message's existing ones).</summary>
public sealed record RetryOutcome(RetryStatus Status, int Recipients, int Batches, int FirstBatchNumber, int BatchSize, string Message)
{
    public bool Started => Status == RetryStatus.Started;

    /// <summary>With <see cref="RetryStatus.NotYetDue"/>: when the first of them may be retried.</summary>
    public DateTime? NotBefore { get; init; }

    public static RetryOutcome Refused(RetryStatus status, string message) => new(status, 0, 0, 0, 0, message);
}

/// <summary>What started a round: a person, or the message's retry policy.</summary>
public enum RetryTrigger
{
    Manual,
    Immediate,
    Scheduled,
}

/// <summary>
/// Starts retry rounds. A round is new deliveries (attempt + 1) for the retryable recipients (<see cref="RetryRules"/>),
/// in new batches numbered after the message's existing ones, dispatched by the same batch job as any send.
/// </summary>
public sealed class RetryPlanner(
    IDbContextFactory<AppDbContext> dbs,
    BatchQueue queue,
    IDispatchProgress progress,
    IOptions<DispatchOptions> options,
    IOptions<CleanupOptions> cleanup,
    TimeProvider clock)
{
    private const int InsertChunk = 1000;

    public async Task<RetryOutcome> RetryAsync(int messageId, RetryRequest request, Actor actor, RetryTrigger trigger,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        (RetryOutcome Outcome, List<int> BatchIds) round;
        try
        {
            round = await dbs.InTransactionAsync(async (db, ct) =>
            {
                var message = await db.Messages.SingleOrDefaultAsync(m => m.Id == messageId, ct);
                if (RefuseMessage(message, now) is { } refused)
                    return (refused, []);
                var (retryable, nothing) = await ChooseAsync(db, message!, request, now, ct);
                return nothing is null ? await StartRoundAsync(db, message!, retryable, actor, trigger, now, ct) : (nothing, []);
            }, cancellationToken, IsolationLevel.Serializable);
        }
        catch (DbUpdateException)
        {
            // Two rounds started at once: the unique (message, contact, attempt) index lets one of them win.
            return RetryOutcome.Refused(RetryStatus.StillSending, "Another retry of this message has just started.");
        }

        if (round.Outcome.Started)
        {
            await queue.EnqueueAsync(round.BatchIds, cancellationToken);
            progress.MessageChanged(messageId);
        }
        return round.Outcome;
    }

    /// <summary>
    /// The message guards: it exists, it has finished, it ended as a send (not a draft, scheduled or cancelled), and it
    /// is young enough that its successful deliveries are still known (older sends may have lost them to the cleanup).
    /// </summary>
    private RetryOutcome? RefuseMessage(Message? message, DateTime now) => message switch
    {
        null => RetryOutcome.Refused(RetryStatus.NotFound, "This message does not exist."),
        { Status: MessageStatus.Sending } =>
            RetryOutcome.Refused(RetryStatus.StillSending, "The send is still running: retry when it has finished."),
        { Status: not (MessageStatus.Sent or MessageStatus.PartiallySent or MessageStatus.Failed) } =>
            RetryOutcome.Refused(RetryStatus.NotRetryable, $"A {message.Status.ToString().ToLowerInvariant()} message is not retried."),
        _ when message.CreatedAt < now.AddDays(-cleanup.Value.KeepSuccessfulDays) => RetryOutcome.Refused(RetryStatus.NotRetryable,
            $"This send is older than the {cleanup.Value.KeepSuccessfulDays}-day history of successful deliveries, " +
            "so it can no longer be retried safely."),
        _ => null,
    };

    /// <summary>
    /// The recipient guards: the chosen deliveries that may be retried (<see cref="RetryRules.Retryable"/>), none
    /// meaning nothing to retry; those the provider asked to wait for (<see cref="Delivery.RetryNotBefore"/>) wait; a
    /// campaign's round takes only what room the current day's limit has left.
    /// </summary>
    private static async Task<(List<long> Retryable, RetryOutcome? Nothing)> ChooseAsync(AppDbContext db, Message message, RetryRequest request,
        DateTime now, CancellationToken cancellationToken)
    {
        var chosen = RetryRules.Retryable(db, message.Id, message.MaxAttempts).Chosen(request.ContactIds, request.ErrorTypes);
        var retryable = await chosen.Where(RetryRules.DueBy(now))
            .OrderBy(d => d.Id)
            .Select(d => d.Id)
            .ToListAsync(cancellationToken);
        if (retryable.Count == 0 && await chosen.MinAsync(d => d.RetryNotBefore, cancellationToken) is { } notBefore)
            return ([], RetryOutcome.Refused(RetryStatus.NotYetDue,
                string.Create(CultureInfo.InvariantCulture,
                    $"Not yet: the provider asked to wait; the first retry is due at {notBefore:yyyy-MM-dd HH:mm} UTC."))
                with
            { NotBefore = notBefore });
        if (retryable.Count == 0)
            return ([], RetryOutcome.Refused(RetryStatus.NothingToRetry, "Nothing to retry: no chosen recipient has a retryable failure."));
        return await CampaignScheduler.RoomTodayAsync(db, message.Id, cancellationToken) switch
        {
            0 => ([], RetryOutcome.Refused(RetryStatus.NothingToRetry, "Today's campaign limit is reached: retry on a later campaign day.")),
            { } room => (retryable.Take(room).ToList(), null),
            null => (retryable, null),
        };
    }

    /// <summary>
    /// The round: new batches numbered after the message's existing ones, the next attempt of each recipient in them,
    /// and the message Sending again. The retried recipients are in flight again: they count as failed only if this
    /// round fails them.
    /// </summary>
    private async Task<(RetryOutcome, List<int>)> StartRoundAsync(AppDbContext db, Message message, List<long> retryable, Actor actor,
        RetryTrigger trigger, DateTime now, CancellationToken cancellationToken)
    {
        var batchSize = options.Value.BatchSize;
        var first = (await db.Batches.Where(b => b.MessageId == message.Id).MaxAsync(b => (int?)b.Number, cancellationToken) ?? 0) + 1;
        var attempt = message.RetryCount + 2;
        var batches = options.Value.BatchSizes(retryable.Count).Select((size, i) => new MessageBatch
        {
            MessageId = message.Id,
            Number = first + i,
            AttemptNumber = attempt,
            RecipientCount = size,
            Status = BatchStatus.Pending,
            CreatedAt = now,
        }).ToList();
        db.Batches.AddRange(batches);
        await db.SaveChangesAsync(cancellationToken);

        var written = 0;
        for (var offset = 0; offset < retryable.Count; offset += InsertChunk)
            written += await InsertAttemptsAsync(db, message.Id, retryable.Skip(offset).Take(InsertChunk).ToList(), offset, first, batchSize, now,
                cancellationToken);
        if (written != retryable.Count)
            throw new DbUpdateConcurrencyException("The failed deliveries changed while the retry was being created; nothing was saved.");

        var inFlight = new RecipientCounts(Failed: -written);
        await db.Messages.Where(m => m.Id == message.Id).ExecuteUpdateAsync(s =>
        {
            inFlight.AddTo(s);
            s.SetProperty(m => m.Status, MessageStatus.Sending)
                .SetProperty(m => m.BatchCount, m => m.BatchCount + batches.Count)
                .SetProperty(m => m.RetryCount, m => m.RetryCount + 1)
                .SetProperty(m => m.NextRetryAt, (DateTime?)null)
                .SetProperty(m => m.CompletedAt, (DateTime?)null)
                .SetProperty(m => m.Summary, (string?)null);
        }, cancellationToken);
        db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.RetryStarted, now, nameof(Message),
            message.Id.ToString(CultureInfo.InvariantCulture),
            string.Create(CultureInfo.InvariantCulture,
                $"{Describe(trigger)} retry of \"{message.Title}\": {written:N0} recipients in {batches.Count} batch(es), from batch {first}.")));
        await db.SaveChangesAsync(cancellationToken);
        return (new RetryOutcome(RetryStatus.Started, written, batches.Count, first, batchSize,
            string.Create(CultureInfo.InvariantCulture, $"Retrying {written:N0} recipient(s) in {batches.Count} batch(es).")),
            batches.Select(b => b.Id).ToList());
    }

    /// <summary>
    /// One set-based statement per chunk: the next attempt of each chosen delivery's recipient (current address and
    /// name), numbered into the round's batches by its position in the whole round.
    /// </summary>
    private static Task<int> InsertAttemptsAsync(AppDbContext db, int messageId, IReadOnlyList<long> deliveryIds, int offset, int firstBatchNumber,
        int batchSize, DateTime now, CancellationToken cancellationToken) =>
        db.ExecuteAsync(InsertAttemptsSql(messageId, deliveryIds, offset, firstBatchNumber, batchSize, now), cancellationToken);

    /// <summary>The statement of <see cref="InsertAttemptsAsync"/>.</summary>
    internal static RawSql InsertAttemptsSql(int messageId, IReadOnlyList<long> deliveryIds, int offset, int firstBatchNumber, int batchSize,
        DateTime now)
    {
        // Delivery ids come from the database, written as literals: no user text reaches the SQL.
        var ids = string.Join(',', deliveryIds.Select(id => id.ToString(CultureInfo.InvariantCulture)));
        var sql = $$"""
            INSERT INTO "Deliveries" ("MessageId", "BatchId", "ContactId", "RecipientAddress", "RecipientName", "AttemptNumber",
                "Status", "CreatedAt", "BusinessInitiated")
            SELECT {0}, b."Id", r."ContactId", r."Address", r."Name", r."AttemptNumber" + 1, {1}, {2}, {6}
            FROM (
                SELECT d."ContactId", c."Address", c."Name", d."AttemptNumber",
                       (ROW_NUMBER() OVER (ORDER BY d."Id") - 1 + {3}) / {4} + {5} AS "Number"
                FROM "Deliveries" AS d
                INNER JOIN "Contacts" AS c ON c."Id" = d."ContactId"
                WHERE d."Id" IN ({{ids}})
            ) AS r
            INNER JOIN "Batches" AS b ON b."MessageId" = {0} AND b."Number" = r."Number"
            """;
        // Every column without a default is written (BusinessInitiated has none on a PostgreSQL database made in one step).
        return new RawSql(sql, [messageId, nameof(DeliveryStatus.Pending), now, offset, batchSize, firstBatchNumber, false]);
    }

    private static string Describe(RetryTrigger trigger) => trigger switch
    {
        RetryTrigger.Immediate => "Immediate",
        RetryTrigger.Scheduled => "Scheduled",
        _ => "Manual",
    };
}
