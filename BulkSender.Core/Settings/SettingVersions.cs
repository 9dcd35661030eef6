using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Settings;

public static class SettingVersions
{
    public const string Retries = "Retries";

    public static string Channel(ChannelKind channel) => $"Channels:{channel}";

    /// <summary>Every group, for the migrations' rows.</summary>
    public static IReadOnlyList<string> All => [.. Enum.GetValues<ChannelKind>().Select(Channel), Retries];

    public static Task<long> VersionAsync(AppDbContext db, string group, CancellationToken cancellationToken) =>
        db.SettingGroups.Where(g => g.Name == group).Select(g => g.Version).SingleAsync(cancellationToken);

    /// <summary>
    /// Inside a transaction: locks the group's row until the transaction ends (an update that changes nothing), so
    /// saves of one group run one after the other and each reads what the previous one wrote. Returns the version,
    /// or null when it is no longer <paramref name="expected"/> (null: any version will do).
    /// </summary>
    public static async Task<long?> LockAsync(AppDbContext db, string group, long? expected, CancellationToken cancellationToken)
    {
        var row = db.SettingGroups.Where(g => g.Name == group);
        if (expected is { } version)
            row = row.Where(g => g.Version == version);
        if (await row.ExecuteUpdateAsync(s => s.SetProperty(g => g.Version, g => g.Version), cancellationToken) == 0)
            return null;
        return await VersionAsync(db, group, cancellationToken);
    }

    /// <summary>Inside the transaction of <see cref="LockAsync"/>, after a change: the group's next version.</summary>
    public static async Task<long> BumpAsync(AppDbContext db, string group, CancellationToken cancellationToken)
    {
        await db.SettingGroups.Where(g => g.Name == group).ExecuteUpdateAsync(s =>
            s.SetProperty(g => g.Version, g => g.Version + 1), cancellationToken);
        return await VersionAsync(db, group, cancellationToken);
    }
}
