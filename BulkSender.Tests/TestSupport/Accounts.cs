using BulkSender.Core.Activity;
using BulkSender.Core.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.TestSupport;

/// <summary>Accounts of their own for tests that disable, demote or reset them, changed the way the Users page does.</summary>
public static class Accounts
{
    public static readonly Actor Admin = new("admin-id", AppFixture.AdminEmail);

    /// <summary>The operator a Core test's audited action (a cancel, an edit) is made by; no account stands behind it.</summary>
    public static readonly Actor Operator = new("operator-id", "operator@test.local");

    public sealed record Account(string Id, string Email, string Password);

    public static async Task<Account> NewAccountAsync(this AppFixture app, string role)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}"[..20] + "@test.local";
        const string password = "Fresh-Account-Pass-1";
        await app.ChangeUserAsync(a => a.CreateAsync(email, null, role, password, Admin, CancellationToken.None));
        await using var scope = app.Services.CreateAsyncScope();
        var id = (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email))!.Id;
        return new Account(id, email, password);
    }

    /// <summary>A change through <see cref="UserAdministration"/>, which must succeed.</summary>
    public static async Task ChangeUserAsync(this AppFixture app, Func<UserAdministration, Task<UserChangeError?>> change)
    {
        await using var scope = app.Services.CreateAsyncScope();
        (await change(scope.ServiceProvider.GetRequiredService<UserAdministration>()))?.Message.ShouldBeNull();
    }
}
