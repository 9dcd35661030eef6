using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Channels.WhatsApp;

/// <summary>
/// WhatsApp's messaging limit: the business portfolio may reach at most so many unique people with template messages
/// outside the 24-hour customer service window in any moving 24 hours (Meta's tiers 250, 2,000, 10,000, 100,000 or
/// unlimited; the setting "Messaging limit", 0 or empty = none). Like the e-mail daily limit (<see cref="DailySendQuota"/>)
/// a recipient beyond it is not failed: the gate holds its batch until room returns, when the oldest contact counted
/// leaves the 24 hours. A contact already reached in the last 24 hours costs nothing again (it counts from its latest
/// template); messages inside the window (free text, or a template to someone who wrote) never count.
/// </summary>
/// <remarks>
/// The contacts reached are rows in the database (<see cref="MessagingLimitContact"/>), shared by every app instance on
/// it. Each count is one transaction that first updates the limit's row of <see cref="LimitCounter"/>: that row lock
/// serializes the instances, so the count of the last 24 hours read after it is exact and two instances cannot both
/// take the last room (under READ COMMITTED a plain count-then-insert would race). The first time the row is missing
/// (a new database, or an upgrade) the contacts come from the deliveries marked <see cref="Delivery.BusinessInitiated"/>
/// in the last 24 hours. Rows that left the 24 hours are deleted every few minutes.
/// </remarks>
public sealed class WhatsAppMessagingLimit(IDbContextFactory<AppDbContext> dbs, ChannelSettingsStore settings, TimeProvider clock)
{
    public const string SettingName = "MessagingLimit";
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    /// <summary>The <see cref="LimitCounter"/> row every count updates first.</summary>
    public const string TurnKey = "messaging-limit:WhatsApp";

    private static readonly TimeSpan PurgeEvery = TimeSpan.FromMinutes(10);
    private long lastPurge = long.MinValue;

    /// <summary>The limit now, or null when there is none (read once per batch; the settings are cached).</summary>
    public async Task<int?> LimitAsync(CancellationToken cancellationToken) =>
        (await settings.ValuesAsync(ChannelKind.WhatsApp, cancellationToken)).Number(SettingName) is { } limit and > 0 ? (int)limit : null;

    /// <summary>
    /// Counts <paramref name="address"/> as reached now, unless it already is in the last 24 hours (then its time moves to
    /// now): what was counted, to give back with <see cref="GiveBackAsync"/> when the template is not sent after all; null
    /// (and nothing counted) when that would go over <paramref name="limit"/>.
    /// </summary>
    public async Task<MessagingLimitTake?> TakeAsync(string address, int limit, CancellationToken cancellationToken)
    {
        // Whole microseconds, as PostgreSQL keeps them: a give-back finds its row by this time.
        var now = clock.GetUtcNow().UtcDateTime;
        now = now.AddTicks(-(now.Ticks % 10));
        var since = now - Window;
        await PurgeAsync(now, cancellationToken);
        while (true)
        {
            var taken = await dbs.InTransactionAsync<(MessagingLimitTake? Take, bool Started)>(async (db, ct) =>
            {
                if (await db.LimitCounters.Where(c => c.Key == TurnKey).ExecuteUpdateAsync(s => s.SetProperty(c => c.UpdatedAt, now), ct) == 0)
                    return (null, false); // no row yet: made below, then again
                var counted = await db.MessagingLimitContacts.Where(c => c.Address == address)
                    .Select(c => (DateTime?)c.CountedAt).FirstOrDefaultAsync(ct);
                if (counted is not { } at || at <= since)
                {
                    if (await db.MessagingLimitContacts.CountAsync(c => c.CountedAt > since, ct) >= limit)
                        return (null, true);
                }
                if (counted is null)
                {
                    db.MessagingLimitContacts.Add(new MessagingLimitContact { Address = address, CountedAt = now });
                    await db.SaveChangesAsync(ct);
                }
                else
                    await db.MessagingLimitContacts.Where(c => c.Address == address)
                        .ExecuteUpdateAsync(s => s.SetProperty(c => c.CountedAt, now), ct);
                return (new MessagingLimitTake(address, now, counted is { } before ? DateTime.SpecifyKind(before, DateTimeKind.Utc) : null), true);
            }, cancellationToken);
            if (taken.Started)
                return taken.Take;
            await StartAsync(now, cancellationToken);
        }
    }

    /// <summary>
    /// Undoes <paramref name="take"/> for a template that was not sent (its call withheld on its way: the channel paused,
    /// or the send cancelled): the contact is no longer counted, or counts from its earlier template again. Nothing
    /// changes when another template has counted the contact since.
    /// </summary>
    public async Task GiveBackAsync(MessagingLimitTake take, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        using var turn = await SqliteWriteGate.EnterAsync(db, cancellationToken);
        var row = db.MessagingLimitContacts.Where(c => c.Address == take.Address && c.CountedAt == take.CountedAt);
        if (take.Before is { } before)
            await row.ExecuteUpdateAsync(s => s.SetProperty(c => c.CountedAt, before), cancellationToken);
        else
            await row.ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>How many unique contacts the last 24 hours counted, and when the oldest of them leaves (null: none counted).</summary>
    public async Task<(int Used, DateTime? RoomAt)> UsageAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var since = now - Window;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        if (!await db.LimitCounters.AnyAsync(c => c.Key == TurnKey, cancellationToken))
            await StartAsync(now, cancellationToken);
        var window = db.MessagingLimitContacts.Where(c => c.CountedAt > since);
        var used = await window.CountAsync(cancellationToken);
        var oldest = used == 0 ? null : await window.MinAsync(c => (DateTime?)c.CountedAt, cancellationToken);
        return (used, oldest is { } at ? DateTime.SpecifyKind(at, DateTimeKind.Utc) + Window : null);
    }

    /// <summary>When a batch held by the limit may go on: as the oldest contact counted leaves the 24 hours.</summary>
    public async Task<DateTime> RoomAtAsync(CancellationToken cancellationToken) =>
        (await UsageAsync(cancellationToken)).RoomAt ?? clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// The limit's row, made with the contacts the deliveries say were reached in the last 24 hours (those not counted
    /// yet). When another instance makes it first, its transaction stands and this one changes nothing.
    /// </summary>
    private async Task StartAsync(DateTime now, CancellationToken cancellationToken)
    {
        var since = now - Window;
        try
        {
            await dbs.InTransactionAsync(async (db, ct) =>
            {
                db.LimitCounters.Add(new LimitCounter { Key = TurnKey, UpdatedAt = now });
                await db.SaveChangesAsync(ct);
                var reached = await db.Deliveries
                    .Where(d => d.BusinessInitiated && d.SentAt > since
                        && db.Messages.Any(m => m.Id == d.MessageId && m.Channel == ChannelKind.WhatsApp))
                    .GroupBy(d => d.RecipientAddress)
                    .Select(g => new { Address = g.Key, Last = g.Max(d => d.SentAt!.Value) })
                    .ToListAsync(ct);
                var known = (await db.MessagingLimitContacts.Select(c => c.Address).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
                db.MessagingLimitContacts.AddRange(reached.Where(r => !known.Contains(r.Address))
                    .Select(r => new MessagingLimitContact { Address = r.Address, CountedAt = DateTime.SpecifyKind(r.Last, DateTimeKind.Utc) }));
                return await db.SaveChangesAsync(ct);
            }, cancellationToken);
        }
        catch (DbUpdateException)
        {
            await using var db = await dbs.CreateDbContextAsync(cancellationToken);
            if (!await db.LimitCounters.AnyAsync(c => c.Key == TurnKey, cancellationToken))
                throw;
        }
    }

    /// <summary>Deletes the contacts that left the 24 hours, at most every <see cref="PurgeEvery"/> in this process.</summary>
    private async Task PurgeAsync(DateTime now, CancellationToken cancellationToken)
    {
        var last = Interlocked.Read(ref lastPurge);
        if (last != long.MinValue && now.Ticks - last < PurgeEvery.Ticks || Interlocked.CompareExchange(ref lastPurge, now.Ticks, last) != last)
            return;
        var since = now - Window;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        using var turn = await SqliteWriteGate.EnterAsync(db, cancellationToken);
        await db.MessagingLimitContacts.Where(c => c.CountedAt <= since).ExecuteDeleteAsync(cancellationToken);
    }
}
