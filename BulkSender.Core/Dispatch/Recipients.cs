using System.Globalization;
using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Data;
using BulkSender.Core.Messages;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// Who a send goes to: every active contact of the channel, those with a tag, or a hand-picked selection. Opted-out
/// contacts are never included. One SQL condition serves the count shown while composing and the INSERT … SELECT
/// that writes the deliveries, so the two cannot disagree. The SQL is plain enough for SQLite, SQL Server and PostgreSQL alike.
/// </summary>
public sealed record Recipients(ChannelKind Channel, AudienceKind Audience, string? Tag, IReadOnlyCollection<int> ContactIds)
{
    public static Recipients Of(ComposeModel model) =>
        new(model.Channel, model.Audience, model.AudienceTag, model.ContactIds.Distinct().ToList());

    /// <summary>How many contacts the send would reach now.</summary>
    public Task<int> CountAsync(AppDbContext db, CancellationToken cancellationToken) =>
        CountWhereAsync(db, null, cancellationToken);

    /// <summary>Messenger only delivers outside the 24-hour window with a message tag: how many recipients that concerns.</summary>
    public Task<int> CountOutsideWindowAsync(AppDbContext db, DateTime now, CancellationToken cancellationToken) =>
        CountWhereAsync(db, (MessagingWindow.OutsideSql("c.\"LastInboundAt\""), MessagingWindow.Cutoff(now)), cancellationToken);

    /// <summary>
    /// Writes one pending delivery per recipient (ordered by contact id) into the message's batches numbered
    /// <paramref name="firstBatchNumber"/>, <paramref name="firstBatchNumber"/> + 1, … of <paramref name="batchSize"/>
    /// each, in one statement. The batches must exist. Returns how many deliveries were written.
    /// </summary>
    public Task<int> InsertDeliveriesAsync(AppDbContext db, int messageId, int attempt, int firstBatchNumber, int batchSize, DateTime now,
        CancellationToken cancellationToken) =>
        db.ExecuteAsync(InsertDeliveriesSql(messageId, attempt, firstBatchNumber, batchSize, now), cancellationToken);

    /// <summary>The statement of <see cref="InsertDeliveriesAsync"/>.</summary>
    public RawSql InsertDeliveriesSql(int messageId, int attempt, int firstBatchNumber, int batchSize, DateTime now)
    {
        var args = new List<object>();
        var where = Where(args);
        var m = Arg(args, messageId);
        var sql = $"""
            INSERT INTO "Deliveries" ("MessageId", "BatchId", "ContactId", "RecipientAddress", "RecipientName", "AttemptNumber",
                "Status", "CreatedAt", "BusinessInitiated")
            SELECT {m}, b."Id", r."Id", r."Address", r."Name", {Arg(args, attempt)}, {Arg(args, nameof(DeliveryStatus.Pending))}, {Arg(args, now)},
                {Arg(args, false)}
            FROM (
                SELECT c."Id", c."Address", c."Name",
                       (ROW_NUMBER() OVER (ORDER BY c."Id") - 1) / {Arg(args, batchSize)} + {Arg(args, firstBatchNumber)} AS "Number"
                FROM "Contacts" AS c
                WHERE {where}
            ) AS r
            INNER JOIN "Batches" AS b ON b."MessageId" = {m} AND b."Number" = r."Number"
            """;
        return new RawSql(sql, args);
    }

    /// <summary>
    /// A campaign's recipients: one pending delivery each with no batch yet (campaign days cut them into batches), in
    /// one statement. Returns how many deliveries were written.
    /// </summary>
    public Task<int> InsertUnbatchedDeliveriesAsync(AppDbContext db, int messageId, DateTime now, CancellationToken cancellationToken) =>
        db.ExecuteAsync(InsertUnbatchedDeliveriesSql(messageId, now), cancellationToken);

    /// <summary>The statement of <see cref="InsertUnbatchedDeliveriesAsync"/>.</summary>
    public RawSql InsertUnbatchedDeliveriesSql(int messageId, DateTime now)
    {
        var args = new List<object>();
        var where = Where(args);
        var sql = $"""
            INSERT INTO "Deliveries" ("MessageId", "BatchId", "ContactId", "RecipientAddress", "RecipientName", "AttemptNumber",
                "Status", "CreatedAt", "BusinessInitiated")
            SELECT {Arg(args, messageId)}, NULL, c."Id", c."Address", c."Name", 1, {Arg(args, nameof(DeliveryStatus.Pending))}, {Arg(args, now)},
                {Arg(args, false)}
            FROM "Contacts" AS c
            WHERE {where}
            ORDER BY c."Id"
            """;
        return new RawSql(sql, args);
    }

    private async Task<int> CountWhereAsync(AppDbContext db, (string Sql, object Value)? extra, CancellationToken cancellationToken)
    {
        var count = CountSql(extra);
        return await db.Database.SqlQueryRaw<int>(count.Text, count.Args.ToArray()).SingleAsync(cancellationToken);
    }

    /// <summary>The count of <see cref="CountAsync"/>, or with <paramref name="extra"/> (a condition on <c>c</c> and its value).</summary>
    public RawSql CountSql((string Sql, object Value)? extra)
    {
        var args = new List<object>();
        var where = Where(args);
        if (extra is { } e)
            where += " AND " + e.Sql.Replace("{0}", Arg(args, e.Value));
        return new RawSql($"SELECT COUNT(*) AS \"Value\" FROM \"Contacts\" AS c WHERE {where}", args);
    }

    private string Where(List<object> args)
    {
        // A boolean parameter, not a literal: 0 is no boolean on PostgreSQL, and false is none on SQL Server.
        var where = $"c.\"Channel\" = {Arg(args, Channel.ToString())} AND c.\"OptedOut\" = {Arg(args, false)}";
        return Audience switch
        {
            AudienceKind.Channel => where,
            AudienceKind.Tag => where +
                $" AND EXISTS (SELECT 1 FROM \"ContactTags\" AS t WHERE t.\"ContactId\" = c.\"Id\" AND t.\"Tag\" = {Arg(args, Tag ?? "")})",
            // At most 2,000 integers, written as literals: no user text reaches the SQL, and no parameter limit applies.
            AudienceKind.Selection => where + (ContactIds.Count == 0
                ? " AND 1 = 0"
                : $" AND c.\"Id\" IN ({string.Join(',', ContactIds.Select(id => id.ToString(CultureInfo.InvariantCulture)))})"),
            _ => throw new InvalidOperationException($"Unknown audience {Audience}."),
        };
    }

    private static string Arg(List<object> args, object value)
    {
        args.Add(value);
        return $"{{{args.Count - 1}}}";
    }
}
