using System.Globalization;
using BulkSender.Core.Activity;
using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BulkSender.Core.Channels.Pauses;

/// <summary>
/// Which channels are paused (<see cref="ChannelPause"/> rows). The send path asks <see cref="IsPausedAsync"/> before
/// every recipient, so the answer comes from memory: this process's own pauses and resumes at once, another instance's
/// after at most <see cref="RefreshEvery"/> (the set is read again from the database then).
/// </summary>
public sealed class ChannelPauses(IDbContextFactory<AppDbContext> dbs, TimeProvider clock, ILogger<ChannelPauses> log)
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);

    private readonly SharedRead refresh = new();
    private volatile IReadOnlyList<ChannelPause> known = [];
    private DateTimeOffset readAt = DateTimeOffset.MinValue;

    /// <summary>Raised after this process paused or resumed a channel (banners refresh).</summary>
    public event Action? Changed;

    public async ValueTask<bool> IsPausedAsync(ChannelKind channel, CancellationToken cancellationToken)
    {
        if (clock.GetUtcNow() - readAt >= RefreshEvery)
            await refresh.RunAsync(() => ListAsync(CancellationToken.None), cancellationToken);
        return IsKnownPaused(channel);
    }

    /// <summary>
    /// What this process knows now, without reading the database: for the last check just before a provider call
    /// (<see cref="ProviderCallSlots"/>), which must not wait for I/O. <see cref="IsPausedAsync"/> keeps it fresh.
    /// </summary>
    public bool IsKnownPaused(ChannelKind channel) => known.Any(p => p.Channel == channel);

    /// <summary>The paused channels, read from the database.</summary>
    public async Task<IReadOnlyList<ChannelPause>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var pauses = await db.ChannelPauses.AsNoTracking().OrderBy(p => p.Since).ToListAsync(cancellationToken);
        (known, readAt) = (pauses, clock.GetUtcNow());
        return pauses;
    }

    /// <summary>Pauses the channel (the first reason stays when it is paused already), logged in the activity; false if it was paused.</summary>
    public async Task<bool> PauseAsync(ChannelKind channel, string errorCode, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var pause = new ChannelPause { Channel = channel, ErrorCode = Cut(errorCode, 64), Reason = Cut(reason, 1000), Since = now };
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        if (await db.ChannelPauses.AnyAsync(p => p.Channel == channel, cancellationToken))
            return false;
        db.ChannelPauses.Add(pause);
        db.Activity.Add(ActivityLog.Entry(Actor.System, ActivityActions.ChannelPaused, now, "Channel", channel.ToString(),
            $"{channel} paused ({errorCode}): {reason}"));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return false; // Another batch paused it at the same moment.
        }
        log.LogWarning("Channel {Channel} paused by provider error {ErrorCode}: {Reason}", channel, errorCode, reason);
        known = [.. known.Where(p => p.Channel != channel), pause];
        Changed?.Invoke();
        return true;
    }

    /// <summary>Removes the pause, logged in the activity as the admin's; false when the channel was not paused.</summary>
    public async Task<bool> ResumeAsync(ChannelKind channel, Actor actor, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var removed = await db.InTransactionAsync(async ct =>
        {
            var count = await db.ChannelPauses.Where(p => p.Channel == channel).ExecuteDeleteAsync(ct);
            if (count > 0)
            {
                db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.ChannelResumed, now, "Channel", channel.ToString(),
                    string.Create(CultureInfo.InvariantCulture, $"{channel} resumed")));
                await db.SaveChangesAsync(ct);
            }
            return count;
        }, cancellationToken);
        known = [.. known.Where(p => p.Channel != channel)];
        if (removed > 0)
            Changed?.Invoke();
        return removed > 0;
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];
}
