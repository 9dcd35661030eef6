using System.Net;
using System.Net.Http.Json;
using BulkSender.Core.Activity;
using BulkSender.Core.Identity;
using BulkSender.Tests.TestSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.Users;

[Collection(AppCollection.Name)]
public sealed class UserAdministrationTests(AppFixture app)
{
    private static readonly Actor Admin = new("admin-id", AppFixture.AdminEmail);

    private async Task<T> WithAdminAsync<T>(Func<UserAdministration, Task<T>> work)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<UserAdministration>());
    }

    private async Task<string> IdOfAsync(string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email))!.Id;
    }

    [Fact]
    public async Task An_admin_creates_an_operator_who_can_log_in_and_a_disabled_one_cannot()
    {
        var email = $"op-{Guid.NewGuid():N}"[..15] + "@test.local";
        const string password = "Fresh-Op-Pass-1";

        (await WithAdminAsync(a => a.CreateAsync(email, "New Op", Roles.Operator, password, Admin, CancellationToken.None))).ShouldBeNull();
        using (var client = app.NewClient())
        {
            await Login.AsAsync(client, email, password);
            (await client.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var id = await IdOfAsync(email);
        (await WithAdminAsync(a => a.SetDisabledAsync(id, true, Admin, CancellationToken.None))).ShouldBeNull();

        using var disabled = app.NewClient();
        var api = await disabled.PostAsJsonAsync("/api/auth/login", new { email, password });
        api.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var form = await Login.PostFormAsync(disabled, email, password);
        // The same answer as a wrong password: the form never tells which e-mails have accounts.
        (await form.Content.ReadAsStringAsync()).ShouldContain("Wrong e-mail or password.");

        await using var db = app.NewDbContext();
        (await db.Activity.Where(a => a.EntityId == id).Select(a => a.Action).OrderBy(a => a).ToListAsync())
            .ShouldBe(["user.created", "user.disabled"]);
    }

    [Fact]
    public async Task The_last_enabled_admin_can_be_neither_disabled_nor_demoted()
    {
        var adminId = await IdOfAsync(AppFixture.AdminEmail);

        var disable = await WithAdminAsync(a => a.SetDisabledAsync(adminId, true, Admin, CancellationToken.None));
        var demote = await WithAdminAsync(a => a.SetRoleAsync(adminId, Roles.Operator, Admin, CancellationToken.None));

        disable!.Message.ShouldContain("last enabled admin");
        demote!.Message.ShouldContain("last enabled admin");
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var admin = (await users.FindByIdAsync(adminId))!;
        admin.IsDisabled.ShouldBeFalse();
        (await users.IsInRoleAsync(admin, Roles.Admin)).ShouldBeTrue();
    }

    [Fact]
    public async Task With_a_second_admin_one_of_them_can_be_disabled()
    {
        var email = $"adm-{Guid.NewGuid():N}"[..15] + "@test.local";
        (await WithAdminAsync(a => a.CreateAsync(email, null, Roles.Admin, "Second-Admin-1", Admin, CancellationToken.None))).ShouldBeNull();

        var id = await IdOfAsync(email);
        (await WithAdminAsync(a => a.SetDisabledAsync(id, true, Admin, CancellationToken.None))).ShouldBeNull();
    }

    [Fact]
    public async Task Weak_passwords_and_duplicate_emails_are_refused_with_identitys_reasons()
    {
        var weak = await WithAdminAsync(a => a.CreateAsync("weak@test.local", null, Roles.Operator, "short", Admin, CancellationToken.None));
        var duplicate = await WithAdminAsync(a => a.CreateAsync(AppFixture.OperatorEmail, null, Roles.Operator, "Good-Pass-123",
            Admin, CancellationToken.None));

        weak!.Message.ShouldContain("at least 8 characters");
        duplicate!.Message.ShouldContain("is already taken");
    }

    [Fact]
    public async Task Operators_are_refused_the_users_page()
    {
        using var client = app.NewClient();
        await Login.AsAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        var response = await client.GetAsync("/users");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.ShouldBe("/account/access-denied");
    }

    [Fact]
    public async Task A_bearer_token_stops_working_as_soon_as_its_account_is_disabled_or_its_password_reset()
    {
        var email = $"api-{Guid.NewGuid():N}"[..15] + "@test.local";
        const string password = "Fresh-Api-Pass-1";
        (await WithAdminAsync(a => a.CreateAsync(email, "Script", Roles.Operator, password, Admin, CancellationToken.None))).ShouldBeNull();
        var id = await IdOfAsync(email);
        using var client = app.NewClient();
        client.UseBearer(await Login.BearerTokenAsync(client, email, password));
        (await client.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await WithAdminAsync(a => a.SetDisabledAsync(id, true, Admin, CancellationToken.None))).ShouldBeNull();
        (await client.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        (await WithAdminAsync(a => a.SetDisabledAsync(id, false, Admin, CancellationToken.None))).ShouldBeNull();
        (await client.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "re-enabling does not revive a token issued before");
        client.UseBearer(await Login.BearerTokenAsync(client, email, password));
        (await client.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await WithAdminAsync(a => a.ResetPasswordAsync(id, "Another-Api-Pass-2", Admin, CancellationToken.None))).ShouldBeNull();
        (await client.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_stale_user_change_is_refused_and_changes_nothing()
    {
        var email = $"cc-{Guid.NewGuid():N}"[..15] + "@test.local";
        (await WithAdminAsync(a => a.CreateAsync(email, "Stale", Roles.Operator, "Fresh-Op-Pass-1", Admin, CancellationToken.None))).ShouldBeNull();
        var shown = (await WithAdminAsync(a => a.ListAsync(CancellationToken.None))).Single(u => u.Email == email);
        // Another admin disables the account while this list is open.
        (await WithAdminAsync(a => a.SetDisabledAsync(shown.Id, true, Admin, CancellationToken.None))).ShouldBeNull();

        var role = await WithAdminAsync(a => a.SetRoleAsync(shown.Id, shown.Version, Roles.Admin, Admin, CancellationToken.None));
        var toggle = await WithAdminAsync(a => a.SetDisabledAsync(shown.Id, shown.Version, !shown.IsDisabled, Admin, CancellationToken.None));
        var password = await WithAdminAsync(a => a.ResetPasswordAsync(shown.Id, shown.Version, "Other-Op-Pass-2", Admin, CancellationToken.None));

        foreach (var refused in new[] { role, toggle, password })
        {
            refused.ShouldNotBeNull();
            (refused.Message, refused.Conflict).ShouldBe((UserAdministration.ChangedMessage, true));
        }
        var now = (await WithAdminAsync(a => a.ListAsync(CancellationToken.None))).Single(u => u.Email == email);
        (now.Role, now.IsDisabled).ShouldBe((Roles.Operator, true));
        await using (var db = app.NewDbContext())
            (await db.Activity.Where(a => a.EntityId == shown.Id).Select(a => a.Action).OrderBy(a => a).ToListAsync())
                .ShouldBe(["user.created", "user.disabled"]);

        (await WithAdminAsync(a => a.SetDisabledAsync(now.Id, now.Version, false, Admin, CancellationToken.None))).ShouldBeNull();
        (await WithAdminAsync(a => a.ListAsync(CancellationToken.None))).Single(u => u.Email == email).IsDisabled.ShouldBeFalse();
    }
}
