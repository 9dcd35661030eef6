using BulkSender.Core.Identity;
using BulkSender.Tests.TestSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.Startup;

[Collection(AppCollection.Name)]
public sealed class SeedingTests(AppFixture app)
{
    [Fact]
    public async Task First_start_creates_roles_the_configured_accounts_and_demo_contacts()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();

        var admin = await users.FindByEmailAsync(AppFixture.AdminEmail);
        var op = await users.FindByEmailAsync(AppFixture.OperatorEmail);
        admin.ShouldNotBeNull();
        op.ShouldNotBeNull();
        (await users.GetRolesAsync(admin)).ShouldBe([Roles.Admin]);
        (await users.GetRolesAsync(op)).ShouldBe([Roles.Operator]);
        (await users.CheckPasswordAsync(op, AppFixture.OperatorPassword)).ShouldBeTrue();

        await using var db = app.NewDbContext();
        (await db.Contacts.CountAsync()).ShouldBe(AppFixture.DemoContacts);
        (await db.Contacts.CountAsync(c => c.OptedOut)).ShouldBeGreaterThan(0);
        (await db.ContactTags.AnyAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task A_second_initialization_adds_nothing()
    {
        var initializer = app.Services.GetRequiredService<BulkSender.Core.Data.DatabaseInitializer>();
        await initializer.InitializeAsync(CancellationToken.None);

        await using var db = app.NewDbContext();
        (await db.Contacts.CountAsync()).ShouldBe(AppFixture.DemoContacts);
        (await db.Users.CountAsync()).ShouldBe(2);
        (await db.Roles.CountAsync()).ShouldBe(2);
    }
}
