using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BulkSender.Tests.TestSupport;

/// <summary>A browser's login to the app: a client with a cookie jar of its own, logged in through the real login form.</summary>
public sealed class BrowserSession : IDisposable
{
    public const string CookieName = "BulkSender.Auth";

    private readonly AppFixture app;

    private BrowserSession(AppFixture app)
    {
        this.app = app;
        Client = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Client { get; }

    /// <summary>The login cookie as the browser holds it now (empty once the server deleted it).</summary>
    public string Cookie => Cookies.GetCookies(app.BaseAddress)[CookieName]?.Value ?? "";

    public static async Task<BrowserSession> LogInAsync(AppFixture app, string email, string password)
    {
        var session = new BrowserSession(app);
        await Login.AsAsync(session.Client, email, password);
        session.Cookie.ShouldNotBeEmpty();
        return session;
    }

    /// <summary>A client that sends exactly this cookie on every request, as someone replaying a copy of it would.</summary>
    public static HttpClient Replaying(AppFixture app, string cookie)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };
        client.DefaultRequestHeaders.Add("Cookie", $"{CookieName}={cookie}");
        return client;
    }

    /// <summary>The principal the app reads from this session's cookie, as an interactive circuit of this browser gets it.</summary>
    public ClaimsPrincipal Principal()
    {
        var options = app.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
        return options.TicketDataFormat.Unprotect(Cookie)!.Principal;
    }

    public void Dispose() => Client.Dispose();
}
