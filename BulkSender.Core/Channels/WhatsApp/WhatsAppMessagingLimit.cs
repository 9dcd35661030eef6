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
/// leaves the 24 hours. A contact already reached in the last 24 hours costs nothing again; messages inside the window
/// (free text, or a template to someone who wrote) never count.
/// </summary>
/// <remarks>
/// The contacts reached come, once per process, from the deliveries the database marks
/// <see cref="Delivery.BusinessInitiated"/> in the last 24 hours, then follow this process's sends; several instances
/// each keep their own count after that. One numbers' map of at most the tier's size.
/// </remarks>
public sealed class WhatsAppMessagingLimit(IDbContextFactory<AppDbContext> dbs, ChannelSettingsStore settings, TimeProvider clock) : IDisposable
{
    public const string SettingName = "MessagingLimit";
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<string, DateTime> reached = new(StringComparer.Ordinal);

    // Every time a contact was counted, oldest first; an entry is stale once its contact was counted again later.
    private readonly Queue<(string Address, DateTime At)> order = new();
    private bool loaded;

    /// <summary>The limit now, or null when there is none (read once per batch; the settings are cached).</summary>
    public async Task<int?> LimitAsync(CancellationToken cancellationToken) =>
        (await settings.ValuesAsync(ChannelKind.WhatsApp, cancellationToken)).Number(SettingName) is { } limit and > 0 ? (int)limit : null;

    /// <summary>
    /// Counts <paramref name="address"/> as reached now, unless it already is in the last 24 hours; false (and nothing
    /// counted) when that would go over <paramref name="limit"/>.
    /// </summary>
    public async Task<bool> TryTakeAsync(string address, int limit, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var now = await CurrentAsync(cancellationToken);
            if (!reached.ContainsKey(address) && reached.Count >= limit)
                return false;
            Count(address, now);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>How many unique contacts the last 24 hours counted, and when the oldest of them leaves (null: none counted).</summary>
    public async Task<(int Used, DateTime? RoomAt)> UsageAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await CurrentAsync(cancellationToken);
            return (reached.Count, order.TryPeek(out var oldest) ? oldest.At + Window : null);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>When a batch held by the limit may go on: as the oldest contact counted leaves the 24 hours.</summary>
    public async Task<DateTime> RoomAtAsync(CancellationToken cancellationToken) =>
        (await UsageAsync(cancellationToken)).RoomAt ?? clock.GetUtcNow().UtcDateTime;

    /// <summary>Now, with the map loaded and the contacts reached 24 hours ago or earlier dropped. Under the gate.</summary>
    private async Task<DateTime> CurrentAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var since = now - Window;
        if (!loaded)
        {
            await using var db = await dbs.CreateDbContextAsync(cancellationToken);
            var rows = await db.Deliveries
                .Where(d => d.BusinessInitiated && d.SentAt > since
                    && db.Messages.Any(m => m.Id == d.MessageId && m.Channel == ChannelKind.WhatsApp))
                .GroupBy(d => d.RecipientAddress)
                .Select(g => new { Address = g.Key, Last = g.Max(d => d.SentAt!.Value) })
                .ToListAsync(cancellationToken);
            foreach (var row in rows.OrderBy(r => r.Last))
                Count(row.Address, row.Last);
            loaded = true;
        }
        while (order.TryPeek(out var oldest))
        {
            var latest = reached.TryGetValue(oldest.Address, out var at) && at == oldest.At;
            if (latest && oldest.At > since)
                break;
            order.Dequeue();
            if (latest)
                reached.Remove(oldest.Address);
        }
        return now;
    }

    private void Count(string address, DateTime at)
    {
        if (reached.TryGetValue(address, out var before) && before == at)
            return;
        reached[address] = at;
        order.Enqueue((address, at));
    }

    public void Dispose() => gate.Dispose();
}
