using System.Security.Claims;
using BulkSender.Core.Identity;
using Microsoft.AspNetCore.Identity;

namespace BulkSender.Web.Features.Account;

/// <summary>
/// A bearer token is self-contained: on its own it would stay valid for its hour after the account is disabled or
/// its password reset. Cookies are re-checked on every request by BrowserSessions; this does the same for every
/// request that carries a bearer token (scripts make few requests; each costs one user lookup).
/// </summary>
public static class BearerTokenRevalidation
{
    public static IApplicationBuilder UseBearerTokenRevalidation(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.User.Identity?.IsAuthenticated == true
            && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var signIn = context.RequestServices.GetRequiredService<SignInManager<AppUser>>();
            // Not signed in, rather than refused: endpoints that need a login answer 401, the login endpoint still works.
            if (await signIn.ValidateSecurityStampAsync(context.User) is not { IsDisabled: false })
                context.User = new ClaimsPrincipal(new ClaimsIdentity());
        }
        await next(context);
    });
}
