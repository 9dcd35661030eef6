using BulkSender.Core.Data;
using BulkSender.Core.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Retries;

public sealed record RetrySettings(RetryPolicyType Policy, int MaxAttempts);

/// <summary>The defaults as the settings form shows them, with the version a save is made on.</summary>
public sealed record RetryDefaultsForm(RetrySettings Settings, long Version);

/// <summary>The defaults for a new message: admin settings (Settings table) first, then configuration.</summary>
public sealed class RetryDefaults(IDbContextFactory<AppDbContext> dbs, IOptions<RetryOptions> options)
{
    public const string PolicyKey = "Retries:DefaultPolicy";
    public const string MaxAttemptsKey = "Retries:DefaultMaxAttempts";

    public async Task<RetrySettings> GetAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await ReadAsync(db, cancellationToken);
    }

    public async Task<RetryDefaultsForm> FormAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        // The version first: values written after it make a save on this form stale, never the other way round.
        var version = await SettingVersions.VersionAsync(db, SettingVersions.Retries, cancellationToken);
        return new RetryDefaultsForm(await ReadAsync(db, cancellationToken), version);
    }

    private async Task<RetrySettings> ReadAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var stored = await db.Settings.Where(s => s.Key == PolicyKey || s.Key == MaxAttemptsKey)
            .ToDictionaryAsync(s => s.Key, s => s.Value, cancellationToken);
        var policy = stored.TryGetValue(PolicyKey, out var p) && Enum.TryParse<RetryPolicyType>(p, out var parsed)
            ? parsed
            : options.Value.DefaultPolicy;
        var attempts = stored.TryGetValue(MaxAttemptsKey, out var a) && int.TryParse(a, out var n) && n is >= 1 and <= 10
            ? n
            : options.Value.DefaultMaxAttempts;
        return new RetrySettings(policy, attempts);
    }
}
