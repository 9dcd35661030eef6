using System.Globalization;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Channels;

/// <summary>
/// A channel's "Daily limit" setting (the e-mail server's messages per UTC day; 0 or empty = none). Each message handed
/// to the channel takes one of the day's allowance; when none is left the batch job holds its batch until the next UTC
/// day. The day's count is one row in the database (<see cref="LimitCounter"/>), shared by every app instance on it:
/// it starts, the first time the day is touched, from the deliveries the database says were sent that day, and is
/// advanced only by a conditional update (<c>Used + n &lt;= limit</c>), so two instances never both take the last unit.
/// </summary>
/// <remarks>
/// Not one write per message: a process reserves a block of a tenth of what is left (at least 1, at most
/// <see cref="MaxBlock"/>) and hands it out from memory, so near the end of the allowance the blocks are single units
/// and no instance sits on units another one needs. A batch run gives its channel's unused units back when it ends
/// (<see cref="ReturnUnusedAsync"/>), and a message whose call was withheld on its way (the channel paused, or the send
/// cancelled) gives its unit back (<see cref="GiveBackAsync"/>); a process that dies loses at most one block per channel
/// for the rest of the day (counted, never sent).
/// </remarks>
public sealed class DailySendQuota(IDbContextFactory<AppDbContext> dbs, ChannelSettingsStore settings, TimeProvider clock) : IDisposable
{
    public const string SettingName = "DailyLimit";

    /// <summary>The most units a process reserves at a time.</summary>
    public const int MaxBlock = 10;

    /// <summary>Day rows older than this are deleted when a new day's row is made.</summary>
    private static readonly TimeSpan KeepDays = TimeSpan.FromDays(7);

    private readonly SemaphoreSlim gate = new(1, 1);

    // Units this process reserved in the database and has not handed out yet, per channel, with their UTC day.
    private readonly Dictionary<ChannelKind, (DateTime Day, int Left)> reserved = [];

    /// <summary>The channel's daily limit now, or null when it has none (read once per batch; the settings are cached).</summary>
    public async Task<int?> LimitAsync(ChannelKind channel, CancellationToken cancellationToken) =>
        (await settings.ValuesAsync(channel, cancellationToken)).Number(SettingName) is { } limit and > 0 ? (int)limit : null;

    /// <summary>When a batch held by the daily limit may go on: the start of the next UTC day.</summary>
    public DateTime NextDay() => clock.GetUtcNow().UtcDateTime.Date.AddDays(1);

    /// <summary>The key of a channel's row of one UTC day.</summary>
    public static string Key(ChannelKind channel, DateTime day) =>
        string.Create(CultureInfo.InvariantCulture, $"daily-limit:{channel}:{day:yyyy-MM-dd}");

    /// <summary>
    /// Takes one message of today's allowance of <paramref name="limit"/>: the UTC day it counts on (to give it back to,
    /// <see cref="GiveBackAsync"/>), or null when today's is used up.
    /// </summary>
    public async Task<DateTime?> TakeAsync(ChannelKind channel, int limit, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await gate.WaitAsync(cancellationToken);
        try
        {
            // Units left from an earlier day were counted on that day's row: they are simply dropped.
            var left = reserved.TryGetValue(channel, out var block) && block.Day == now.Date ? block.Left : 0;
            if (left == 0)
                left = await ReserveAsync(channel, limit, now, cancellationToken);
            if (left == 0)
                return null;
            reserved[channel] = (now.Date, left - 1);
            return now.Date;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Gives the channel's units this process reserved and did not hand out back to today's count (a batch run calls it
    /// as it ends, so a held or finished batch leaves nothing reserved that another instance could send).
    /// </summary>
    public async Task ReturnUnusedAsync(ChannelKind channel, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (reserved.Remove(channel, out var block) && block.Left > 0)
                await UncountAsync(channel, block.Day, block.Left, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Gives back a unit taken on <paramref name="day"/> (<see cref="TakeAsync"/>) for a message that was not sent after
    /// all: its call was withheld on its way (the channel paused, or the send cancelled), so it counts on no day.
    /// </summary>
    public Task GiveBackAsync(ChannelKind channel, DateTime day, CancellationToken cancellationToken) =>
        UncountAsync(channel, day, 1, cancellationToken);

    private async Task UncountAsync(ChannelKind channel, DateTime day, int units, CancellationToken cancellationToken)
    {
        var key = Key(channel, day);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        using var turn = await SqliteWriteGate.EnterAsync(db, cancellationToken);
        await db.LimitCounters.Where(c => c.Key == key && c.Used >= units)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Used, c => c.Used - units).SetProperty(c => c.UpdatedAt, now), cancellationToken);
    }

    /// <summary>Reserves a block of today's allowance in the database; how many units (0: none is left). Under the gate.</summary>
    private async Task<int> ReserveAsync(ChannelKind channel, int limit, DateTime now, CancellationToken cancellationToken)
    {
        var key = Key(channel, now.Date);
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        while (true)
        {
            var used = await db.LimitCounters.Where(c => c.Key == key).Select(c => (int?)c.Used).FirstOrDefaultAsync(cancellationToken);
            if (used is null)
            {
                await StartDayAsync(db, channel, key, now, cancellationToken);
                continue;
            }
            var left = limit - used.Value;
            if (left <= 0)
                return 0;
            var block = Math.Clamp(left / 10, 1, MaxBlock);
            using var turn = await SqliteWriteGate.EnterAsync(db, cancellationToken);
            // Another instance may have taken units since the read: then the condition fails and the loop reads again.
            if (await db.LimitCounters.Where(c => c.Key == key && c.Used + block <= limit)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Used, c => c.Used + block).SetProperty(c => c.UpdatedAt, now),
                        cancellationToken) == 1)
                return block;
        }
    }

    /// <summary>
    /// The day's row, from the deliveries already sent that day; when another instance made it first, its row stays.
    /// Old days' rows go at the same time.
    /// </summary>
    private static async Task StartDayAsync(AppDbContext db, ChannelKind channel, string key, DateTime now, CancellationToken cancellationToken)
    {
        var (dayStart, dayEnd) = (now.Date, now.Date.AddDays(1));
        var sent = await db.Deliveries.CountAsync(d => d.SentAt >= dayStart && d.SentAt < dayEnd
            && db.Messages.Any(m => m.Id == d.MessageId && m.Channel == channel), cancellationToken);
        using var turn = await SqliteWriteGate.EnterAsync(db, cancellationToken);
        var row = db.LimitCounters.Add(new LimitCounter { Key = key, Used = sent, UpdatedAt = now });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            row.State = EntityState.Detached;
            if (!await db.LimitCounters.AnyAsync(c => c.Key == key, cancellationToken))
                throw;
            return; // made by another instance meanwhile: its count is the day's (and it deleted the old days)
        }
        row.State = EntityState.Detached;
        var old = now - KeepDays;
        var prefix = $"daily-limit:{channel}:";
        await db.LimitCounters.Where(c => c.Key.StartsWith(prefix) && c.UpdatedAt < old).ExecuteDeleteAsync(cancellationToken);
    }

    public void Dispose() => gate.Dispose();
}
