using System.Security.Cryptography;
using BulkSender.Core.Identity;
using Microsoft.AspNetCore.Identity;

namespace BulkSender.Web.Features.Account;

public enum LoginOutcome { Succeeded, Refused, LockedOut }

public sealed record LoginCheck(LoginOutcome Outcome, AppUser? User = null);

/// <summary>
/// One check of an e-mail and password for the login form and POST /api/auth/login. A wrong password, an unknown
/// e-mail and a disabled account get the same answer (<see cref="LoginOutcome.Refused"/>), and each costs one password
/// hash verification: an unknown e-mail, or an account already locked out, is verified against a stand-in hash. So
/// neither the answer nor the time it takes tells which e-mails have accounts. Wrong passwords count towards the
/// account's lockout (Identity's, 10 attempts); attempts per client address are limited by <see cref="LoginRateLimit"/>.
/// </summary>
public sealed class PasswordLogin(UserManager<AppUser> users, SignInManager<AppUser> signIn)
{
    private static readonly AppUser StandInUser = new();
    private static string? standInHash;

    public async Task<LoginCheck> CheckAsync(string email, string password)
    {
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            VerifyStandIn(password);
            return new(LoginOutcome.Refused);
        }
        if (await users.IsLockedOutAsync(user))
        {
            VerifyStandIn(password);
            return new(LoginOutcome.LockedOut);
        }
        var result = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        if (result.IsLockedOut)
            return new(LoginOutcome.LockedOut);
        return result.Succeeded && !user.IsDisabled ? new(LoginOutcome.Succeeded, user) : new(LoginOutcome.Refused);
    }

    /// <summary>The same work as checking a real password, with the hasher that checks real ones.</summary>
    private void VerifyStandIn(string password)
    {
        var hasher = users.PasswordHasher;
        standInHash ??= hasher.HashPassword(StandInUser, Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
        hasher.VerifyHashedPassword(StandInUser, standInHash, password);
    }
}
