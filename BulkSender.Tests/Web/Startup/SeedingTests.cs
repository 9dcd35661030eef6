using BulkSender.Core.Data;
using BulkSender.Core.Identity;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Web.Startup;

/// <summary>First start and restart of the real app as its own process, on a database file of its own.</summary>
public sealed class SeedingTests
{
    [Fact]
    public async Task First_start_seeds_roles_accounts_and_demo_contacts_and_a_restart_adds_nothing()
    {
        var dir = RepoPaths.NewTempDirectory("seed");
        var file = Path.Combine(dir, "app.db");
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Sqlite"] = $"Data Source={file}",
            ["Seed__DemoContacts"] = "500",
        };

        for (var start = 1; start <= 2; start++)
        {
            await using var app = AppProcess.Start(environment);
            await app.ListeningAsync(TimeSpan.FromSeconds(90));

            await using var db = new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite($"Data Source={file}").Options);
            (await db.Contacts.CountAsync()).ShouldBe(500, $"after start {start}");
            (await db.Contacts.CountAsync(c => c.OptedOut)).ShouldBeGreaterThan(0);
            (await db.ContactTags.AnyAsync()).ShouldBeTrue();
            (await db.Roles.Select(r => r.Name).OrderBy(n => n).ToListAsync()).ShouldBe([Roles.Admin, Roles.Operator]);
            var accounts = await (
                from u in db.Users
                join ur in db.UserRoles on u.Id equals ur.UserId
                join r in db.Roles on ur.RoleId equals r.Id
                orderby u.Email
                select u.Email + ":" + r.Name).ToListAsync();
            accounts.ShouldBe(["admin@bulksender.local:Admin", "operator@bulksender.local:Operator"]);
        }
    }
}
