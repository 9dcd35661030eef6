using BulkSender.Core.Activity;
using BulkSender.Core.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Identity;

/// <param name="Version">Identity's concurrency stamp: a change made on an older one is refused.</param>
public sealed record UserRow(string Id, string Email, string? DisplayName, string Role, bool IsDisabled, bool IsLockedOut, string? Version);

/// <summary>A refused change, said in words an admin can act on. <see cref="Conflict"/>: the account changed since it was shown.</summary>
public sealed record UserChangeError(string Message, bool Conflict = false);

/// <summary>
/// Accounts and roles, for admins. The last enabled admin can be neither disabled nor demoted. A change made from a
/// list carries the account's version (<see cref="IdentityUser.ConcurrencyStamp"/>, renewed by every update of the
/// account, a failed login too) and is refused when the account changed since; without one it applies to the account
/// as it is. Disabling, enabling, a role change and a password reset give the account a new security stamp, which
/// ends its sessions: at once in this process (<see cref="AccountChanges"/>), at the next check elsewhere.
/// </summary>
public sealed class UserAdministration(UserManager<AppUser> users, AppDbContext db, TimeProvider clock, AccountChanges changes)
{
    public const string ChangedMessage = "This user changed since you opened it";

    public async Task<IReadOnlyList<UserRow>> ListAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var rows = await (
            from u in db.Users
            join ur in db.UserRoles on u.Id equals ur.UserId into urs
            from ur in urs.DefaultIfEmpty()
            join r in db.Roles on ur.RoleId equals r.Id into rs
            from r in rs.DefaultIfEmpty()
            orderby u.Email
            select new
            {
                u.Id, u.Email, u.DisplayName, Role = r == null ? "" : r.Name, u.IsDisabled,
                u.LockoutEnd, u.ConcurrencyStamp
            }).ToListAsync(cancellationToken);
        return rows.Select(u => new UserRow(u.Id, u.Email ?? "", u.DisplayName, u.Role ?? "", u.IsDisabled,
            u.LockoutEnd > now, u.ConcurrencyStamp)).ToList();
    }

    public async Task<UserChangeError?> CreateAsync(string email, string? displayName, string role, string password, Actor actor,
        CancellationToken cancellationToken)
    {
        if (!Roles.All.Contains(role))
            return new UserChangeError($"Unknown role '{role}'.");
        var user = new AppUser { UserName = email.Trim(), Email = email.Trim(), EmailConfirmed = true, DisplayName = displayName?.Trim() };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
            return Error(created);
        var added = await users.AddToRoleAsync(user, role);
        if (!added.Succeeded)
            return Error(added);
        await LogAsync(actor, ActivityActions.UserCreated, user, $"{user.Email} as {role}", cancellationToken);
        return null;
    }

    public Task<UserChangeError?> ResetPasswordAsync(string id, string password, Actor actor, CancellationToken cancellationToken) =>
        ResetPasswordAsync(id, null, password, actor, cancellationToken);

    public async Task<UserChangeError?> ResetPasswordAsync(string id, string? version, string password, Actor actor,
        CancellationToken cancellationToken)
    {
        var (user, refused) = await FindAsync(id, version);
        if (user is null)
            return refused;
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var reset = await users.ResetPasswordAsync(user, token, password);
        if (!reset.Succeeded)
            return Error(reset);
        await users.SetLockoutEndDateAsync(user, null);
        changes.Raise(user.Id);
        await LogAsync(actor, ActivityActions.UserPasswordReset, user, user.Email, cancellationToken);
        return null;
    }

    public Task<UserChangeError?> SetDisabledAsync(string id, bool disabled, Actor actor, CancellationToken cancellationToken) =>
        SetDisabledAsync(id, null, disabled, actor, cancellationToken);

    public async Task<UserChangeError?> SetDisabledAsync(string id, string? version, bool disabled, Actor actor, CancellationToken cancellationToken)
    {
        var (user, refused) = await FindAsync(id, version);
        if (user is null)
            return refused;
        if (disabled && await IsLastEnabledAdminAsync(user))
            return new UserChangeError("This is the last enabled admin: make another account admin before disabling it.");
        user.IsDisabled = disabled;
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
            return Error(updated);
        // A new stamp signs the account out of every browser at its next request.
        await users.UpdateSecurityStampAsync(user);
        changes.Raise(user.Id);
        await LogAsync(actor, disabled ? ActivityActions.UserDisabled : ActivityActions.UserEnabled, user, user.Email, cancellationToken);
        return null;
    }

    public Task<UserChangeError?> SetRoleAsync(string id, string role, Actor actor, CancellationToken cancellationToken) =>
        SetRoleAsync(id, null, role, actor, cancellationToken);

    public async Task<UserChangeError?> SetRoleAsync(string id, string? version, string role, Actor actor, CancellationToken cancellationToken)
    {
        if (!Roles.All.Contains(role))
            return new UserChangeError($"Unknown role '{role}'.");
        var (user, refused) = await FindAsync(id, version);
        if (user is null)
            return refused;
        var current = await users.GetRolesAsync(user);
        if (current.SequenceEqual([role]))
            return null;
        if (role != Roles.Admin && await IsLastEnabledAdminAsync(user))
            return new UserChangeError("This is the last enabled admin: make another account admin first.");
        var removed = await users.RemoveFromRolesAsync(user, current);
        if (!removed.Succeeded)
            return Error(removed);
        var added = await users.AddToRoleAsync(user, role);
        if (!added.Succeeded)
            return Error(added);
        await users.UpdateSecurityStampAsync(user);
        changes.Raise(user.Id);
        await LogAsync(actor, ActivityActions.UserRoleChanged, user, $"{user.Email}: {string.Join(", ", current)} → {role}", cancellationToken);
        return null;
    }

    /// <summary>The account, or why not: gone, or changed since <paramref name="version"/> (when given).</summary>
    private async Task<(AppUser? User, UserChangeError? Refused)> FindAsync(string id, string? version)
    {
        var user = await users.FindByIdAsync(id);
        if (user is null)
            return (null, new UserChangeError("This account no longer exists."));
        if (version is not null && user.ConcurrencyStamp != version)
            return (null, new UserChangeError(ChangedMessage, Conflict: true));
        return (user, null);
    }

    private async Task<bool> IsLastEnabledAdminAsync(AppUser user)
    {
        if (user.IsDisabled || !await users.IsInRoleAsync(user, Roles.Admin))
            return false;
        var admins = await users.GetUsersInRoleAsync(Roles.Admin);
        return admins.Count(a => !a.IsDisabled) <= 1;
    }

    private async Task LogAsync(Actor actor, string action, AppUser user, string? details, CancellationToken cancellationToken)
    {
        db.Activity.Add(ActivityLog.Entry(actor, action, clock.GetUtcNow().UtcDateTime, "User", user.Id, details));
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Identity's own check of the stamp (a change between reading the account and saving it) says the same as ours.</summary>
    private static UserChangeError Error(IdentityResult result) =>
        result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure))
            ? new UserChangeError(ChangedMessage, Conflict: true)
            : new UserChangeError(string.Join(" ", result.Errors.Select(e => e.Description)));
}
