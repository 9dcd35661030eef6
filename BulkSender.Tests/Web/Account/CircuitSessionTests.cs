using System.Security.Claims;
using BulkSender.Core.Identity;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Account;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Web.Account;

/// <summary>
/// The authentication state of an interactive circuit, as the app creates it for a browser's real cookie, against the
/// real host's accounts and sessions. The clock is fake: nothing here waits for the 30-second check unless it says so.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class CircuitSessionTests(AppFixture app)
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);

    private RevalidatingIdentityStateProvider CircuitOf(BrowserSession browser, out Task<ClaimsPrincipal> signedOut)
    {
        var provider = new RevalidatingIdentityStateProvider(app.Services.GetRequiredService<IServiceScopeFactory>(),
            app.Services.GetRequiredService<AccountChanges>(), clock, app.Services.GetRequiredService<ILogger<RevalidatingIdentityStateProvider>>());
        provider.SetAuthenticationState(Task.FromResult(new AuthenticationState(browser.Principal())));
        var changed = new TaskCompletionSource<ClaimsPrincipal>(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.AuthenticationStateChanged += async state => changed.TrySetResult((await state).User);
        signedOut = changed.Task;
        return provider;
    }

    private static bool IsAuthenticated(AuthenticationStateProvider provider) =>
        provider.GetAuthenticationStateAsync().Result.User.Identity?.IsAuthenticated == true;

    [Fact]
    public async Task An_open_circuit_is_signed_out_as_soon_as_its_account_is_disabled()
    {
        var account = await app.NewAccountAsync(Roles.Operator);
        using var browser = await BrowserSession.LogInAsync(app, account.Email, account.Password);
        using var circuit = CircuitOf(browser, out var signedOut);
        IsAuthenticated(circuit).ShouldBeTrue();

        await app.ChangeUserAsync(a => a.SetDisabledAsync(account.Id, true, Accounts.Admin, CancellationToken.None));

        (await signedOut.WaitAsync(TimeSpan.FromSeconds(10))).Identity!.IsAuthenticated.ShouldBeFalse();
        IsAuthenticated(circuit).ShouldBeFalse();
    }

    [Fact]
    public async Task An_open_circuit_is_signed_out_as_soon_as_its_browser_logs_out()
    {
        var account = await app.NewAccountAsync(Roles.Operator);
        using var browser = await BrowserSession.LogInAsync(app, account.Email, account.Password);
        using var circuit = CircuitOf(browser, out var signedOut);

        await Login.LogOutAsync(browser.Client);

        (await signedOut.WaitAsync(TimeSpan.FromSeconds(10))).Identity!.IsAuthenticated.ShouldBeFalse();
    }

    [Fact]
    public async Task An_open_circuit_notices_a_change_made_by_another_instance_within_30_seconds()
    {
        var account = await app.NewAccountAsync(Roles.Admin);
        using var browser = await BrowserSession.LogInAsync(app, account.Email, account.Password);
        using var circuit = CircuitOf(browser, out var signedOut);
        // Straight in the shared database, with no in-process notice: what an admin on another instance does.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var user = (await users.FindByIdAsync(account.Id))!;
            (await users.RemoveFromRoleAsync(user, Roles.Admin)).Succeeded.ShouldBeTrue();
            (await users.UpdateSecurityStampAsync(user)).Succeeded.ShouldBeTrue();
        }

        clock.Advance(RevalidatingIdentityStateProvider.Interval - TimeSpan.FromSeconds(1));
        signedOut.IsCompleted.ShouldBeFalse("no check is due yet");
        IsAuthenticated(circuit).ShouldBeTrue();
        clock.Advance(TimeSpan.FromSeconds(1));

        (await signedOut.WaitAsync(TimeSpan.FromSeconds(10))).Identity!.IsAuthenticated.ShouldBeFalse();
        RevalidatingIdentityStateProvider.Interval.ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(60));
    }
}
