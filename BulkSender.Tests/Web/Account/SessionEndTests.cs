using System.Net;
using System.Text.Json.Serialization;
using BulkSender.Core.Identity;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Messages;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.Account;

/// <summary>
/// A browser's cookie stops working as soon as its account changes or it logs out: real cookies from the real login
/// form, replayed against the real host. Each test has accounts of its own.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class SessionEndTests(AppFixture app)
{
    private static async Task ShouldBeSignedOutAsync(HttpClient replay)
    {
        (await replay.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var page = await replay.GetAsync("/contacts");
        page.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        page.Headers.Location!.AbsolutePath.ShouldBe("/account/login");
    }

    [Fact]
    public async Task A_disabled_accounts_cookie_is_refused_at_its_next_request()
    {
        var account = await app.NewAccountAsync(Roles.Operator);
        using var browser = await BrowserSession.LogInAsync(app, account.Email, account.Password);
        using var replay = BrowserSession.Replaying(app, browser.Cookie);
        (await replay.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await app.ChangeUserAsync(a => a.SetDisabledAsync(account.Id, true, Accounts.Admin, CancellationToken.None));

        await ShouldBeSignedOutAsync(replay);
        var response = await browser.Client.GetAsync("/api/me");
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        browser.Cookie.ShouldBeEmpty("the refused cookie is deleted");
    }

    [Fact]
    public async Task A_demoted_admin_is_refused_hangfire_and_the_admin_api_at_the_next_request()
    {
        var account = await app.NewAccountAsync(Roles.Admin);
        using var browser = await BrowserSession.LogInAsync(app, account.Email, account.Password);
        using var replay = BrowserSession.Replaying(app, browser.Cookie);
        (await replay.GetAsync("/hangfire")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await replay.GetAsync("/api/settings/channels")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await app.ChangeUserAsync(a => a.SetRoleAsync(account.Id, Roles.Operator, Accounts.Admin, CancellationToken.None));

        var hangfire = await replay.GetAsync("/hangfire");
        hangfire.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        hangfire.Headers.Location!.AbsolutePath.ShouldBe("/account/login");
        (await replay.GetAsync("/api/settings/channels")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await ShouldBeSignedOutAsync(replay);
        using var again = await BrowserSession.LogInAsync(app, account.Email, account.Password);
        (await again.Client.GetAsync("/hangfire")).StatusCode.ShouldBe(HttpStatusCode.Forbidden, "logged in again, as the operator it now is");
    }

    [Fact]
    public async Task A_password_reset_refuses_the_cookies_issued_before_it()
    {
        var account = await app.NewAccountAsync(Roles.Operator);
        using var browser = await BrowserSession.LogInAsync(app, account.Email, account.Password);
        using var replay = BrowserSession.Replaying(app, browser.Cookie);

        await app.ChangeUserAsync(a => a.ResetPasswordAsync(account.Id, "Reset-Pass-2-xyz", Accounts.Admin, CancellationToken.None));

        await ShouldBeSignedOutAsync(replay);
        using var again = await BrowserSession.LogInAsync(app, account.Email, "Reset-Pass-2-xyz");
        (await again.Client.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_stamp_changed_by_another_instance_is_refused_at_the_next_request()
    {
        var account = await app.NewAccountAsync(Roles.Operator);
        using var browser = await BrowserSession.LogInAsync(app, account.Email, account.Password);
        using var replay = BrowserSession.Replaying(app, browser.Cookie);

        // Straight in the shared database, with no in-process notice: what an admin on another instance does.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            (await users.UpdateSecurityStampAsync((await users.FindByIdAsync(account.Id))!)).Succeeded.ShouldBeTrue();
        }

        await ShouldBeSignedOutAsync(replay);
    }

    [Fact]
    public async Task A_cookie_replayed_after_logging_out_is_refused_and_the_accounts_other_browsers_stay_logged_in()
    {
        var account = await app.NewAccountAsync(Roles.Operator);
        using var browser = await BrowserSession.LogInAsync(app, account.Email, account.Password);
        using var otherBrowser = await BrowserSession.LogInAsync(app, account.Email, account.Password);
        var copy = browser.Cookie;

        var logout = await Login.LogOutAsync(browser.Client);

        logout.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        logout.Headers.Location!.OriginalString.ShouldBe("/account/login");
        browser.Cookie.ShouldBeEmpty();
        using var replay = BrowserSession.Replaying(app, copy);
        await ShouldBeSignedOutAsync(replay);
        (await otherBrowser.Client.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_hub_closes_an_open_connection_of_a_disabled_account_and_refuses_its_cookie()
    {
        var account = await app.NewAccountAsync(Roles.Operator);
        using var browser = await BrowserSession.LogInAsync(app, account.Email, account.Password);
        var copy = browser.Cookie;
        await using var hub = Connect(browser.Cookies);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await hub.StartAsync();
        (await hub.InvokeAsync<MessageProgress?>(nameof(ProgressHub.Subscribe), 999_999)).ShouldBeNull();

        await app.ChangeUserAsync(a => a.SetDisabledAsync(account.Id, true, Accounts.Admin, CancellationToken.None));

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var cookies = new CookieContainer();
        cookies.Add(app.BaseAddress, new Cookie(BrowserSession.CookieName, copy));
        await using var again = Connect(cookies);
        var error = await Should.ThrowAsync<HttpRequestException>(() => again.StartAsync());
        error.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private HubConnection Connect(CookieContainer cookies) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, ProgressHub.Route), o => o.Cookies = cookies)
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();
}
