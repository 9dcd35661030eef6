using BulkSender.Core.Data;
using BulkSender.Core.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;

namespace BulkSender.Web.Features.Account;

public static class AuthRegistration
{
    public const string LoginPath = "/account/login";
    public const string AccessDeniedPath = "/account/access-denied";

    /// <summary>
    /// Cookie (browsers) or bearer token (scripts). Every cookie request re-checks its session (<see cref="BrowserSessions"/>):
    /// a disabled account, a changed role or password, or a logged-out session is refused at its next request.
    /// Outside Development the cookie is Secure: serve the app over HTTPS, directly or behind a TLS proxy.
    /// </summary>
    public static IServiceCollection AddBulkSenderAuth(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddAuthentication(o => o.DefaultScheme = Policies.CookieOrBearer)
            .AddPolicyScheme(Policies.CookieOrBearer, "Cookie or bearer token", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? IdentityConstants.BearerScheme
                    : IdentityConstants.ApplicationScheme)
            .AddBearerToken(IdentityConstants.BearerScheme, o => o.BearerTokenExpiration = TimeSpan.FromHours(1))
            .AddIdentityCookies();

        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = LoginPath;
            o.AccessDeniedPath = AccessDeniedPath;
            o.Cookie.Name = "BulkSender.Auth";
            o.Cookie.SecurePolicy = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            // Identity's own events are replaced here, so the session check it would add is set here too (see BrowserSessions).
            o.Events = new CookieAuthenticationEvents
            {
                OnSigningIn = BrowserSessions.AddSessionAsync,
                OnValidatePrincipal = BrowserSessions.ValidatePrincipalAsync,
                // A script or integrator gets a status code, a person gets the login page.
                OnRedirectToLogin = ctx => Respond(ctx, StatusCodes.Status401Unauthorized, redirect: !IsMachine(ctx.Request.Path, loginPage: true)),
                OnRedirectToAccessDenied = ctx => ctx.Request.Path.StartsWithSegments(JobsPath)
                    ? WriteForbiddenPageAsync(ctx.Response)
                    : Respond(ctx, StatusCodes.Status403Forbidden, redirect: !IsMachine(ctx.Request.Path, loginPage: false)),
            };
        });

        services.AddIdentityCore<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 8;
                o.Lockout.MaxFailedAccessAttempts = 10;
                o.SignIn.RequireConfirmedAccount = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddScoped<BrowserSessions>();
        services.AddScoped<PasswordLogin>();
        services.AddLoginRateLimit();

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin))
            // Every endpoint needs a login unless it says [AllowAnonymous].
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingIdentityStateProvider>();
        return services;
    }

    /// <summary>The Hangfire dashboard is for people: an anonymous visit goes to the login page, an operator gets 403.</summary>
    private static bool IsMachine(PathString path, bool loginPage) =>
        MachinePaths.Matches(path) && !(loginPage && path.StartsWithSegments(JobsPath));

    private const string JobsPath = "/hangfire";

    /// <summary>A person who opens the Hangfire dashboard without being an admin sees why, with a 403.</summary>
    private static Task WriteForbiddenPageAsync(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status403Forbidden;
        response.ContentType = "text/html; charset=utf-8";
        return response.WriteAsync("""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Access denied · BulkSender</title></head>
            <body style="font-family:Roboto,Arial,sans-serif;display:flex;justify-content:center;padding-top:15vh">
            <div><h1>Access denied</h1><p>The Hangfire dashboard is for administrators.</p><p><a href="/">Back to the dashboard</a></p></div>
            </body></html>
            """);
    }

    private static Task Respond(RedirectContext<CookieAuthenticationOptions> ctx, int status, bool redirect)
    {
        if (redirect)
            ctx.Response.Redirect(ctx.RedirectUri);
        else
            ctx.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
