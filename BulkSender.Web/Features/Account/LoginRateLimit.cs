using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace BulkSender.Web.Features.Account;

/// <summary>
/// Login attempts (a POST of the login form or of /api/auth/login) per client address, with ASP.NET Core's rate
/// limiter: a token bucket of <see cref="LoginRateLimitOptions.Burst"/> refilled at
/// <see cref="LoginRateLimitOptions.PerMinute"/>. Over it: 429 with Retry-After, a page for people, ProblemDetails for
/// scripts. The address is the connection's, or the one a trusted proxy forwards (see ReverseProxy).
/// </summary>
public static class LoginRateLimit
{
    public const string Policy = "login";

    public static IServiceCollection AddLoginRateLimit(this IServiceCollection services)
    {
        services.AddOptions<LoginRateLimitOptions>().BindConfiguration(LoginRateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = RejectAsync;
            o.AddPolicy(Policy, context => HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetTokenBucketLimiter(ClientAddress(context), _ => Bucket(context))
                : RateLimitPartition.GetNoLimiter(""));
        });
        return services;
    }

    private static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? IPAddress.None.ToString();

    private static TokenBucketRateLimiterOptions Bucket(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<LoginRateLimitOptions>>().Value;
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Burst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) / options.PerMinute,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? (int)Math.Ceiling(retryAfter.TotalSeconds) : 60;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var detail = $"Too many login attempts from your address. Try again in {seconds} s.";
        if (http.Request.Path.StartsWithSegments("/api"))
        {
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many login attempts", Detail = detail },
            });
            return;
        }
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync($"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Too many attempts · BulkSender</title></head>
            <body style="font-family:Roboto,Arial,sans-serif;display:flex;justify-content:center;padding-top:15vh">
            <div><h1>Too many login attempts</h1><p>{detail}</p><p><a href="{AuthRegistration.LoginPath}">Back to the login form</a></p></div>
            </body></html>
            """, cancellationToken);
    }
}
