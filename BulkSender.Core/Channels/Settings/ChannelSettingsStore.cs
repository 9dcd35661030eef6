using System.Security.Cryptography;
using BulkSender.Core.Activity;
using BulkSender.Core.Data;
using BulkSender.Core.Settings;
using FluentValidation;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace BulkSender.Core.Channels.Settings;

/// <summary>What the settings page shows of one setting: the value, or for a secret only a mask like "••••1234".</summary>
public sealed record ChannelSettingView(ChannelSettingField Field, string? Display, SettingSource Source);

/// <summary>One channel's settings as its form shows them, with the version a save is made on.</summary>
public sealed record ChannelSettingsForm(ChannelKind Channel, long Version, IReadOnlyList<ChannelSettingView> Settings);

/// <param name="Version">The settings' version after the save (when it succeeded).</param>
/// <param name="Conflict">Refused because the settings changed since the form showed them.</param>
public sealed record ChannelSettingsSaved(IReadOnlyDictionary<string, string[]>? Errors, IReadOnlyList<string> Changed,
    long Version = 0, bool Conflict = false)
{
    public bool Succeeded => Errors is null;
}

/// <summary>
/// Channel settings: database rows (secrets protected with ASP.NET Core Data Protection) over the configuration's
/// "Channels:{Channel}" values. Adapters read them at send time, so a saved change applies to the next message
/// (this instance at once, other instances within <see cref="CacheFor"/>). No value is ever logged.
/// </summary>
public sealed class ChannelSettingsStore(
    IDbContextFactory<AppDbContext> dbs,
    IConfiguration configuration,
    IDataProtectionProvider protection,
    TimeProvider clock,
    ILogger<ChannelSettingsStore> log)
{
    public const string ProtectorPurpose = "BulkSender.ChannelSettings.v1";
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    public const string ChangedMessage = "These settings changed since you opened them";

    private static readonly ChannelSettingsInputValidator Validator = new();
    private readonly IDataProtector protector = protection.CreateProtector(ProtectorPurpose);
    private volatile Snapshot? cache;
    private long version;

    private sealed record Snapshot(IReadOnlyDictionary<string, string> Stored, DateTimeOffset LoadedAt);

    /// <summary>Goes up each time this process saves a change, so what caches a setting (the rate limiter) reads it again.</summary>
    public long Version => Interlocked.Read(ref version);

    public async Task<ChannelSettingValues> ValuesAsync(ChannelKind channel, CancellationToken cancellationToken)
    {
        var stored = await StoredAsync(cancellationToken);
        var values = new Dictionary<string, string>();
        foreach (var field in ChannelSettingFields.For(channel))
            if (Effective(field, stored).Value is { } value)
                values[field.Name] = value;
        return new ChannelSettingValues(channel, values);
    }

    public async Task<MessengerSettings> MessengerAsync(CancellationToken cancellationToken) =>
        MessengerSettings.From(await ValuesAsync(ChannelKind.Messenger, cancellationToken));

    public async Task<WhatsAppSettings> WhatsAppAsync(CancellationToken cancellationToken) =>
        WhatsAppSettings.From(await ValuesAsync(ChannelKind.WhatsApp, cancellationToken));

    public async Task<EmailSettings> EmailAsync(CancellationToken cancellationToken) =>
        EmailSettings.From(await ValuesAsync(ChannelKind.Email, cancellationToken));

    /// <summary>What the form shows, read from the database (not the cache): a save made on it must not undo newer values.</summary>
    public async Task<ChannelSettingsForm> ViewAsync(ChannelKind channel, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        // The version first: values written after it make a save on this form stale, never the other way round.
        var current = await SettingVersions.VersionAsync(db, SettingVersions.Channel(channel), cancellationToken);
        var stored = Read(await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith("Channels:")).ToListAsync(cancellationToken));
        cache = new Snapshot(stored, clock.GetUtcNow());
        var views = ChannelSettingFields.For(channel).Select(field =>
        {
            var (value, source) = Effective(field, stored);
            return new ChannelSettingView(field, value is not null && field.IsSecret ? Mask(value) : value, source);
        }).ToList();
        return new ChannelSettingsForm(channel, current, views);
    }

    /// <summary>
    /// Saves a channel's settings in one transaction that first locks the channel's <see cref="SettingGroup"/> row: two
    /// saves at once run one after the other (the second reads what the first wrote, so a first value is inserted once
    /// and then updated), and a save made on an older version than the stored one is refused.
    /// </summary>
    public async Task<ChannelSettingsSaved> SaveAsync(ChannelSettingsInput input, Actor actor, CancellationToken cancellationToken)
    {
        var validation = await Validator.ValidateAsync(input, cancellationToken);
        if (!validation.IsValid)
            return new ChannelSettingsSaved(validation.ToDictionary().AsReadOnly(), []);

        var group = SettingVersions.Channel(input.Channel);
        var saved = await dbs.InTransactionAsync(async (db, ct) =>
        {
            if (await SettingVersions.LockAsync(db, group, input.Version, ct) is not { } current)
                return new ChannelSettingsSaved(new Dictionary<string, string[]> { [""] = [ChangedMessage] }, [], Conflict: true);
            var changed = await ApplyAsync(db, input, ct);
            if (changed.Count == 0)
                return new ChannelSettingsSaved(null, [], current);
            // Names of what changed, never a value.
            db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.ChannelSettingsChanged, clock.GetUtcNow().UtcDateTime, "Channel",
                input.Channel.ToString(), $"{input.Channel}: {string.Join(", ", changed)}"));
            await db.SaveChangesAsync(ct);
            return new ChannelSettingsSaved(null, changed, await SettingVersions.BumpAsync(db, group, ct));
        }, cancellationToken);

        if (saved.Changed.Count > 0)
        {
            cache = null;
            Interlocked.Increment(ref version);
        }
        return saved;
    }

    /// <summary>Adds, updates and removes the channel's rows against what is stored now; returns the labels of what changed.</summary>
    private async Task<List<string>> ApplyAsync(AppDbContext db, ChannelSettingsInput input, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var fields = ChannelSettingFields.For(input.Channel);
        var keys = fields.Select(f => f.Key).ToList();
        var rows = await db.Settings.Where(s => keys.Contains(s.Key)).ToDictionaryAsync(s => s.Key, cancellationToken);
        var stored = Read(rows.Values);
        var changed = new List<string>();

        foreach (var field in fields)
        {
            var current = Effective(field, stored).Value;
            if (field.IsSecret && input.Clear?.Contains(field.Name) == true)
            {
                if (rows.Remove(field.Key, out var row))
                    db.Settings.Remove(row);
                if (current != Configured(field))
                    changed.Add(field.Label);
                continue;
            }
            if (!input.Values.TryGetValue(field.Name, out var raw))
                continue;
            var value = raw?.Trim() ?? "";
            if (field.IsSecret && value.Length == 0)
                continue;
            // A plain value that is empty or equal to the configuration's falls back to the configuration.
            var fallsBack = !field.IsSecret && (value.Length == 0 || value == Configured(field));
            if ((fallsBack ? Configured(field) : value) == current)
                continue;

            rows.TryGetValue(field.Key, out var existing);
            if (fallsBack)
            {
                if (existing is not null)
                    db.Settings.Remove(existing);
            }
            else
            {
                var storedValue = field.IsSecret ? protector.Protect(value) : value;
                if (existing is null)
                    db.Settings.Add(new Setting { Key = field.Key, Value = storedValue, IsProtected = field.IsSecret, UpdatedAt = now });
                else
                    (existing.Value, existing.IsProtected, existing.UpdatedAt) = (storedValue, field.IsSecret, now);
            }
            changed.Add(field.Label);
        }
        return changed;
    }

    /// <summary>"••••" and the last four characters of a long secret; only "••••" of a short one.</summary>
    public static string Mask(string secret) => secret.Length >= 12 ? "••••" + secret[^4..] : "••••";

    private string? Configured(ChannelSettingField field) => configuration[field.Key]?.Trim() is { Length: > 0 } value ? value : null;

    private (string? Value, SettingSource Source) Effective(ChannelSettingField field, IReadOnlyDictionary<string, string> stored) =>
        stored.TryGetValue(field.Key, out var value) && value.Length > 0 ? (value, SettingSource.Database)
        : Configured(field) is { } configured ? (configured, SettingSource.Configuration)
        : (null, SettingSource.NotSet);

    private async Task<IReadOnlyDictionary<string, string>> StoredAsync(CancellationToken cancellationToken)
    {
        if (cache is { } snapshot && clock.GetUtcNow() - snapshot.LoadedAt < CacheFor)
            return snapshot.Stored;

        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var stored = Read(await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith("Channels:")).ToListAsync(cancellationToken));
        cache = new Snapshot(stored, clock.GetUtcNow());
        return stored;
    }

    /// <summary>The rows' values by key, secrets unprotected; a secret the current keys cannot read is left out (and logged by key).</summary>
    private Dictionary<string, string> Read(IEnumerable<Setting> rows)
    {
        var stored = new Dictionary<string, string>();
        foreach (var row in rows)
        {
            if (!row.IsProtected)
            {
                stored[row.Key] = row.Value.Trim();
                continue;
            }
            try
            {
                stored[row.Key] = protector.Unprotect(row.Value);
            }
            catch (CryptographicException)
            {
                log.LogWarning(
                    "The protected setting {Key} cannot be read with the current Data Protection keys; it is ignored until saved again",
                    row.Key);
            }
        }
        return stored;
    }
}
