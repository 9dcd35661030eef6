using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Channels.RateLimits;

/// <summary>Slots reserved for one instance, and the end of the last back-off the account's state showed.</summary>
public sealed record SlotBlock(IReadOnlyList<long> Slots, long PausedUntil);

/// <summary>
/// The cluster's half of the rate limit: each provider account's <see cref="RateLimitAccount"/> row, advanced by a
/// conditional update that reserves a block of slots at a time (GCRA with no burst: the block starts at the next free
/// slot, or now), so the database sees one write per block, whatever the number of instances. Two instances reserving
/// at once cannot both win: the update names the state it read, and the loser reads again.
/// </summary>
/// <remarks>
/// Plain LINQ updates, the same on SQLite, SQL Server and PostgreSQL; one row per channel, seeded by the migration. On
/// SQLite the update takes this process's write turn (<see cref="SqliteWriteGate"/>) like every other write: a writer
/// that meets SQLite's lock instead sleeps in SQLite's busy handler, which stalled the slots for most of a second.
/// </remarks>
public sealed class RateLimitSlots(IDbContextFactory<AppDbContext> dbs, TimeProvider clock)
{
    /// <summary>Reserves <paramref name="count"/> slots <paramref name="interval"/> ticks apart (longer while resuming).</summary>
    public async Task<SlotBlock> ReserveAsync(ChannelKind channel, int count, long interval, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        while (true)
        {
            var state = await db.RateLimitAccounts.AsNoTracking().Where(a => a.Channel == channel)
                .Select(a => new { a.NextSlotAt, a.PausedUntil }).SingleAsync(cancellationToken);
            using var turn = await SqliteWriteGate.EnterAsync(db, cancellationToken);
            var (slots, next) = SlotPlan.Plan(state.NextSlotAt, state.PausedUntil, clock.GetUtcNow().UtcTicks, count, interval);
            if (await db.RateLimitAccounts
                    .Where(a => a.Channel == channel && a.NextSlotAt == state.NextSlotAt && a.PausedUntil == state.PausedUntil)
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.NextSlotAt, next), cancellationToken) == 1)
                return new SlotBlock(slots, state.PausedUntil);
        }
    }

    /// <summary>
    /// A rate-limit reply to a request that left at <paramref name="sentAt"/> pauses the account until
    /// <paramref name="until"/> for every instance, unless the request left before the last back-off ended: replies
    /// inside one pause (or to requests sent before it) extend nothing. Returns the back-off in force afterwards.
    /// </summary>
    public async Task<long> BackOffAsync(ChannelKind channel, long sentAt, long until, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        using (await SqliteWriteGate.EnterAsync(db, cancellationToken))
            await db.RateLimitAccounts.Where(a => a.Channel == channel && a.PausedUntil <= sentAt && a.PausedUntil < until)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.PausedUntil, until)
                    .SetProperty(a => a.NextSlotAt, a => a.NextSlotAt < until ? until : a.NextSlotAt), cancellationToken);
        return await PausedUntilAsync(db, channel, cancellationToken);
    }

    /// <summary>The end of the account's last back-off (UTC ticks; 0: never paused).</summary>
    public async Task<long> PausedUntilAsync(ChannelKind channel, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await PausedUntilAsync(db, channel, cancellationToken);
    }

    private static Task<long> PausedUntilAsync(AppDbContext db, ChannelKind channel, CancellationToken cancellationToken) =>
        db.RateLimitAccounts.Where(a => a.Channel == channel).Select(a => a.PausedUntil).SingleAsync(cancellationToken);
}
