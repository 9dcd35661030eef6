using System.Security.Claims;
using BulkSender.Core.Identity;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace BulkSender.Web.Features.Account;

/// <summary>
/// The login of an interactive circuit, checked again with <see cref="BrowserSessions"/>: at once when this process
/// changes the account or ends one of its sessions (<see cref="AccountChanges"/>), and every <see cref="Interval"/>
/// for changes made by another instance. A failed check makes the circuit anonymous: the router then sends the page
/// to the login form (every page needs a login), and leaving the page ends the circuit.
/// </summary>
internal sealed class RevalidatingIdentityStateProvider : ServerAuthenticationStateProvider, IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly IServiceScopeFactory scopes;
    private readonly AccountChanges changes;
    private readonly ILogger<RevalidatingIdentityStateProvider> log;
    private readonly PeriodicTimer timer;
    private readonly CancellationTokenSource stopping = new();

    public RevalidatingIdentityStateProvider(IServiceScopeFactory scopes, AccountChanges changes, TimeProvider clock,
        ILogger<RevalidatingIdentityStateProvider> log)
    {
        this.scopes = scopes;
        this.changes = changes;
        this.log = log;
        timer = new PeriodicTimer(Interval, clock);
        changes.Changed += OnAccountChanged;
        _ = CheckEveryIntervalAsync();
    }

    private async Task CheckEveryIntervalAsync()
    {
        try
        {
            while (await timer.WaitForNextTickAsync(stopping.Token))
                await CheckAsync();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnAccountChanged(string userId)
    {
        var state = GetAuthenticationStateAsync();
        if (state.IsCompletedSuccessfully && state.Result.User.FindFirstValue(ClaimTypes.NameIdentifier) == userId)
            _ = CheckAsync();
    }

    private async Task CheckAsync()
    {
        try
        {
            var state = await GetAuthenticationStateAsync();
            if (state.User.Identity?.IsAuthenticated != true)
                return;
            await using var scope = scopes.CreateAsyncScope();
            var sessions = scope.ServiceProvider.GetRequiredService<BrowserSessions>();
            if (await sessions.FindValidUserAsync(state.User, stopping.Token) is not null)
                return;
            log.LogInformation("The login of {User} in an open page ended: signed out", state.User.Identity.Name);
            SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
        }
        catch (Exception ex)
        {
            // Closing (the circuit or the app) cancels a check; anything else is worth knowing.
            if (!stopping.IsCancellationRequested)
                log.LogError(ex, "Could not check the login of an open page");
        }
    }

    public void Dispose()
    {
        changes.Changed -= OnAccountChanged;
        stopping.Cancel();
        timer.Dispose();
    }
}
