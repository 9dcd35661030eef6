using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Channels;

/// <summary>
/// A channel's "Daily limit" setting (the e-mail server's messages per UTC day; 0 or empty = none). Each message handed
/// to the channel takes one of the day's allowance; when none is left the batch job holds its batch until the next UTC
/// day. The count starts, once per day in each process, from the deliveries the database says were sent that day, and
/// then follows this process's sends, like the rate limit: several instances each keep their own count after that.
/// </summary>
public sealed class DailySendQuota(IDbContextFactory<AppDbContext> dbs, ChannelSettingsStore settings, TimeProvider clock) : IDisposable
{
    public const string SettingName = "DailyLimit";

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<ChannelKind, (DateOnly Day, int Used)> counts = [];

    /// <summary>The channel's daily limit now, or null when it has none (read once per batch; the settings are cached).</summary>
    public async Task<int?> LimitAsync(ChannelKind channel, CancellationToken cancellationToken) =>
        (await settings.ValuesAsync(channel, cancellationToken)).Number(SettingName) is { } limit and > 0 ? (int)limit : null;

    /// <summary>When a batch held by the daily limit may go on: the start of the next UTC day.</summary>
    public DateTime NextDay() => clock.GetUtcNow().UtcDateTime.Date.AddDays(1);

    /// <summary>Takes one message of today's allowance of <paramref name="limit"/>; false when today's is used up.</summary>
    public async Task<bool> TryTakeAsync(ChannelKind channel, int limit, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var day = DateOnly.FromDateTime(now);
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!counts.TryGetValue(channel, out var today) || today.Day != day)
                today = (day, await SentOnAsync(channel, now.Date, cancellationToken));
            var taken = today.Used < limit;
            counts[channel] = taken ? (day, today.Used + 1) : today;
            return taken;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<int> SentOnAsync(ChannelKind channel, DateTime dayStart, CancellationToken cancellationToken)
    {
        var dayEnd = dayStart.AddDays(1);
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Deliveries.CountAsync(d => d.SentAt >= dayStart && d.SentAt < dayEnd
            && db.Messages.Any(m => m.Id == d.MessageId && m.Channel == channel), cancellationToken);
    }

    public void Dispose() => gate.Dispose();
}
