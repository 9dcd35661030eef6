namespace BulkSender.Web.Features.Security;

/// <summary>
/// Headers on every response (NetEscapades.AspNetCore.SecurityHeaders), pages, API, hub, /hangfire and static files
/// alike: nosniff, a referrer policy, no framing (X-Frame-Options and frame-ancestors 'none'), and a Content Security
/// Policy that fits Blazor Server and MudBlazor: scripts from the app only, plus the import map Blazor writes inline
/// (allowed by this request's nonce, see App.razor); inline styles, which MudBlazor's theme and components use;
/// fetch and the circuit's WebSocket to the app only ('self' covers ws: and wss: to the same host). The Hangfire
/// dashboard loads its scripts from its own /hangfire paths and needs nothing more. Outside Development, HTTPS
/// responses carry HSTS.
/// </summary>
public static class SecurityHeaders
{
    public static IServiceCollection AddSecurityHeaders(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddSecurityHeaderPolicies().SetDefaultPolicy(policy =>
        {
            policy
                .AddContentTypeOptionsNoSniff()
                .AddReferrerPolicyStrictOriginWhenCrossOrigin()
                .AddFrameOptionsDeny()
                .AddCrossOriginOpenerPolicy(b => b.SameOrigin())
                .AddContentSecurityPolicy(csp =>
                {
                    csp.AddDefaultSrc().Self();
                    csp.AddScriptSrc().Self().WithNonce();
                    csp.AddStyleSrc().Self().UnsafeInline();
                    csp.AddImgSrc().Self().Data();
                    csp.AddFontSrc().Self().Data();
                    csp.AddConnectSrc().Self();
                    csp.AddObjectSrc().None();
                    csp.AddBaseUri().Self();
                    csp.AddFormAction().Self();
                    csp.AddFrameAncestors().None();
                });
            if (!environment.IsDevelopment())
                policy.AddStrictTransportSecurityMaxAge(maxAgeInSeconds: 365 * 24 * 60 * 60);
        });
        return services;
    }
}
