using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using BulkSender.Core.Data;
using BulkSender.Core.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BulkSender.Web.Features.Account;

/// <summary>
/// A browser's login. The cookie carries the account's security stamp and a session id of its own. Every request with
/// the cookie, and every check of an open circuit, asks <see cref="FindValidUserAsync"/>: the account still exists, is
/// enabled, has the stamp the cookie was issued with (disabling, enabling, a role change and a password reset give it a
/// new one), and this session has not logged out. Logging out records the session id as ended, as an Identity user
/// token kept for as long as a copy of the cookie could live, so a cookie saved before logging out is refused on any
/// instance; the account's other browsers and its bearer tokens are not affected.
/// </summary>
public sealed class BrowserSessions(
    UserManager<AppUser> users,
    AppDbContext db,
    AccountChanges changes,
    TimeProvider clock,
    IOptions<IdentityOptions> identity,
    IOptionsMonitor<CookieAuthenticationOptions> cookies)
{
    public const string SessionClaim = "bulksender:session";
    private const string EndedSessions = "BulkSender.EndedSession";

    public static Claim NewSessionClaim() => new(SessionClaim, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));

    /// <summary>The account, when the principal's session may go on; null when it must be signed out.</summary>
    public async Task<AppUser?> FindValidUserAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (principal.FindFirstValue(SessionClaim) is not { } session)
            return null;
        var user = await users.GetUserAsync(principal);
        if (user is null || user.IsDisabled)
            return null;
        var stamp = principal.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType);
        if (users.SupportsUserSecurityStamp && stamp != await users.GetSecurityStampAsync(user))
            return null;
        return await users.GetAuthenticationTokenAsync(user, EndedSessions, session) is null ? user : null;
    }

    /// <summary>Logging out: this session's cookie, and every copy of it, is refused from now on.</summary>
    public async Task EndAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        if (principal.FindFirstValue(SessionClaim) is not { } session || await users.GetUserAsync(principal) is not { } user)
            return;
        var now = clock.GetUtcNow();
        // Ended sessions whose cookies have all expired are forgotten; saved with the new one below.
        var ended = await db.UserTokens.Where(t => t.UserId == user.Id && t.LoginProvider == EndedSessions).ToListAsync(cancellationToken);
        db.UserTokens.RemoveRange(ended.Where(t => !DateTimeOffset.TryParse(t.Value, CultureInfo.InvariantCulture, out var until) || until < now));
        var lifetime = cookies.Get(IdentityConstants.ApplicationScheme).ExpireTimeSpan;
        await users.SetAuthenticationTokenAsync(user, EndedSessions, session, (now + lifetime).ToString("O", CultureInfo.InvariantCulture));
        changes.Raise(user.Id);
    }

    /// <summary>The cookie's check on every request: a session that may not go on is signed out (401 or the login page).</summary>
    internal static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var sessions = context.HttpContext.RequestServices.GetRequiredService<BrowserSessions>();
        if (context.Principal is { } principal && await sessions.FindValidUserAsync(principal, context.HttpContext.RequestAborted) is not null)
            return;
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
    }

    /// <summary>Every cookie sign-in starts a session of its own.</summary>
    internal static Task AddSessionAsync(CookieSigningInContext context)
    {
        if (context.Principal?.Identity is ClaimsIdentity identity)
            identity.AddClaim(NewSessionClaim());
        return Task.CompletedTask;
    }
}
