using BulkSender.Core.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Data;

/// <summary>Migrates the database, creates roles and the seeded accounts, and adds demo contacts to an empty database.</summary>
public sealed class DatabaseInitializer(
    IDbContextFactory<AppDbContext> dbs,
    IServiceScopeFactory scopes,
    IOptions<SeedOptions> seed,
    IHostEnvironment environment,
    TimeProvider clock,
    ILogger<DatabaseInitializer> log)
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            if (db.Database.IsSqlite())
            {
                // WAL lets the dashboard read while batch jobs write.
                await db.Database.OpenConnectionAsync(cancellationToken);
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
                await db.Database.CloseConnectionAsync();
            }
            await db.Database.MigrateAsync(cancellationToken);
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All)
            if (!await roles.RoleExistsAsync(role))
                Check(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");

        var options = seed.Value;
        await EnsureAccountAsync(users, options.Admin, Roles.Admin, SeedOptions.DefaultAdminPassword);
        await EnsureAccountAsync(users, options.Operator, Roles.Operator, SeedOptions.DefaultOperatorPassword);
        await SeedDemoContactsAsync(options.DemoContacts, cancellationToken);
    }

    private async Task EnsureAccountAsync(UserManager<AppUser> users, SeedAccount account, string role, string defaultPassword)
    {
        var user = await users.FindByEmailAsync(account.Email);
        if (user is null)
        {
            user = new AppUser { UserName = account.Email, Email = account.Email, EmailConfirmed = true, DisplayName = role };
            Check(await users.CreateAsync(user, account.Password), $"create the {role} account {account.Email}");
            Check(await users.AddToRoleAsync(user, role), $"give {account.Email} the {role} role");
            log.LogInformation("Created the {Role} account {Email}", role, account.Email);
        }

        if (!environment.IsDevelopment() && await users.CheckPasswordAsync(user, defaultPassword))
            throw new InvalidOperationException(
                $"The {role} account {account.Email} still has its default password. " +
                "Outside Development BulkSender refuses to start until it is changed: " +
                $"set Seed:{role}:Password before the first start, or change the password in the app while running in Development.");
    }

    private async Task SeedDemoContactsAsync(int count, CancellationToken cancellationToken)
    {
        if (count <= 0)
            return;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        if (await db.Contacts.AnyAsync(cancellationToken))
            return;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        db.Contacts.AddRange(DemoData.Contacts(count, clock.GetUtcNow().UtcDateTime));
        await db.SaveChangesAsync(cancellationToken);
        log.LogInformation("Added {Count} demo contacts", count);
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
            throw new InvalidOperationException($"Could not {what}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
    }
}
