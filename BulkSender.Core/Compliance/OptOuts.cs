using System.Globalization;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Compliance;

/// <summary>Opting a contact out from outside the dashboard: an unsubscribe link, an inbound "STOP".</summary>
public sealed class OptOuts(IDbContextFactory<AppDbContext> dbs, OptOutSignal signal, TimeProvider clock)
{
    /// <summary>"STOP" in any case, surrounded by any white space.</summary>
    public static bool IsStop(string? text) => string.Equals(text?.Trim(), "STOP", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Opts the contact out, keeping <paramref name="how"/> as its reason (shown on the contact); false when no such
    /// contact exists or it had opted out already.
    /// </summary>
    public async Task<bool> OptOutAsync(ChannelKind channel, string address, string how, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var contact = db.Contacts.Where(c => c.Channel == channel && c.Address == address && !c.OptedOut);
        var id = await contact.Select(c => (int?)c.Id).FirstOrDefaultAsync(cancellationToken);
        if (id is null)
            return false;
        var changed = await contact.ExecuteUpdateAsync(s => s
            .SetProperty(c => c.OptedOut, true)
            .SetProperty(c => c.OptedOutAt, now)
            .SetProperty(c => c.OptOutReason, how.Length > 500 ? how[..500] : how)
            .SetProperty(c => c.UpdatedAt, now)
            .SetProperty(c => c.Version, c => c.Version + 1), cancellationToken);
        if (changed == 0)
            return false;
        signal.Raise();
        db.Activity.Add(ActivityLog.Entry(Actor.System, ActivityActions.ContactOptedOut, now, "Contact",
            id?.ToString(CultureInfo.InvariantCulture), $"{channel} {address} opted out ({how})"));
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}
