using System.Globalization;
using BulkSender.Core.Activity;
using BulkSender.Core.Data;
using BulkSender.Core.Messages;
using BulkSender.Core.Settings;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Retries;

public enum PolicyChangeStatus
{
    Changed,
    NotFound,
    Invalid,

    /// <summary>Changed by someone else since the form showed it; nothing saved.</summary>
    Conflict,
}

public sealed record PolicyChangeResult(PolicyChangeStatus Status, IReadOnlyDictionary<string, string[]> Errors);

/// <summary>Admin changes of retry policies. The caller checks the role; this checks the values.</summary>
public sealed class RetryPolicies(IDbContextFactory<AppDbContext> dbs, RetryFollowUp followUp, TimeProvider clock)
{
    public const string DefaultsChangedMessage = "The default retry policy changed since you opened it";
    public const string MessagePolicyChangedMessage = "The retry policy of this message changed since you opened it";

    private static readonly RetryPolicyInputValidator Validator = new();
    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    /// <summary>Changes a message's policy, also after it was sent; the new policy applies from now on.</summary>
    public Task<PolicyChangeResult> ChangeAsync(int messageId, RetryPolicyInput input, Actor actor, CancellationToken cancellationToken) =>
        ChangeAsync(messageId, input, shown: null, actor, cancellationToken);

    /// <summary>
    /// Changes a message's policy if it is still the one the form <paramref name="shown"/> (null: whatever it is now).
    /// The update is one conditional statement on the shown values, so of two admins saving over the same policy,
    /// one saves and the other is told it changed.
    /// </summary>
    public async Task<PolicyChangeResult> ChangeAsync(
        int messageId, RetryPolicyInput input, RetryPolicyInput? shown, Actor actor, CancellationToken cancellationToken)
    {
        var validation = await Validator.ValidateAsync(input, cancellationToken);
        if (!validation.IsValid)
            return new PolicyChangeResult(PolicyChangeStatus.Invalid, validation.ToDictionary().AsReadOnly());
        var now = clock.GetUtcNow().UtcDateTime;
        var status = await dbs.InTransactionAsync(async (db, ct) =>
        {
            var before = await db.Messages.Where(m => m.Id == messageId)
                .Select(m => new { m.Title, m.RetryPolicy, m.MaxAttempts }).SingleOrDefaultAsync(ct);
            if (before is null)
                return PolicyChangeStatus.NotFound;
            var expected = shown ?? new RetryPolicyInput { Policy = before.RetryPolicy, MaxAttempts = before.MaxAttempts };
            var changed = await db.Messages
                .Where(m => m.Id == messageId && m.RetryPolicy == expected.Policy && m.MaxAttempts == expected.MaxAttempts)
                .ExecuteUpdateAsync(u => u.SetProperty(m => m.RetryPolicy, input.Policy).SetProperty(m => m.MaxAttempts, input.MaxAttempts), ct);
            if (changed == 0)
                return PolicyChangeStatus.Conflict;
            db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.RetryPolicyChanged, now, nameof(Message),
                messageId.ToString(CultureInfo.InvariantCulture),
                $"\"{before.Title}\": {expected.Policy}, max {expected.MaxAttempts} → {input.Policy}, max {input.MaxAttempts}"));
            await db.SaveChangesAsync(ct);
            return PolicyChangeStatus.Changed;
        }, cancellationToken);
        if (status == PolicyChangeStatus.Conflict)
            return new PolicyChangeResult(status, new Dictionary<string, string[]> { [""] = [MessagePolicyChangedMessage] });
        if (status == PolicyChangeStatus.NotFound)
            return new PolicyChangeResult(status, NoErrors);
        // A finished send gets what its new policy says: its next scheduled time, or an immediate round.
        await followUp.AfterRoundAsync(messageId, cancellationToken);
        return new PolicyChangeResult(PolicyChangeStatus.Changed, NoErrors);
    }

    /// <summary>
    /// The policy new messages start with (admin setting, over configuration), saved on the <paramref name="version"/>
    /// the form showed: refused when the defaults changed since. The retry defaults' <see cref="SettingGroup"/> row is
    /// locked first, so two saves at once run one after the other and the first value is inserted once.
    /// </summary>
    public async Task<PolicyChangeResult> SaveDefaultsAsync(RetryPolicyInput input, long version, Actor actor, CancellationToken cancellationToken)
    {
        var validation = await Validator.ValidateAsync(input, cancellationToken);
        if (!validation.IsValid)
            return new PolicyChangeResult(PolicyChangeStatus.Invalid, validation.ToDictionary().AsReadOnly());
        var now = clock.GetUtcNow().UtcDateTime;
        return await dbs.InTransactionAsync(async (db, ct) =>
        {
            if (await SettingVersions.LockAsync(db, SettingVersions.Retries, version, ct) is null)
                return new PolicyChangeResult(PolicyChangeStatus.Conflict, new Dictionary<string, string[]> { [""] = [DefaultsChangedMessage] });
            await UpsertAsync(db, RetryDefaults.PolicyKey, input.Policy.ToString(), now, ct);
            await UpsertAsync(db, RetryDefaults.MaxAttemptsKey, input.MaxAttempts.ToString(CultureInfo.InvariantCulture), now, ct);
            db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.RetryDefaultsChanged, now, "Settings", null,
                $"Default retry policy: {input.Policy}, max {input.MaxAttempts}"));
            await db.SaveChangesAsync(ct);
            await SettingVersions.BumpAsync(db, SettingVersions.Retries, ct);
            return new PolicyChangeResult(PolicyChangeStatus.Changed, NoErrors);
        }, cancellationToken);
    }

    private static async Task UpsertAsync(AppDbContext db, string key, string value, DateTime now, CancellationToken cancellationToken)
    {
        var setting = await db.Settings.SingleOrDefaultAsync(s => s.Key == key, cancellationToken);
        if (setting is null)
            db.Settings.Add(new Setting { Key = key, Value = value, UpdatedAt = now });
        else
            (setting.Value, setting.UpdatedAt) = (value, now);
    }
}
