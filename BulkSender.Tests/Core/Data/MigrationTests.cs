using BulkSender.Core.Data;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace BulkSender.Tests.Core.Data;

public sealed class MigrationTests
{
    [Fact]
    public void Sqlite_migrations_match_the_model()
    {
        using var db = new SqliteDesignTimeFactory().CreateDbContext([]);
        db.Database.HasPendingModelChanges().ShouldBeFalse("run: dotnet ef migrations add <Name> --project BulkSender.Core " +
            "--startup-project BulkSender.Core --context SqliteDbContext --output-dir Data/Migrations/Sqlite");
    }

    [Fact]
    public void SqlServer_migrations_match_the_model()
    {
        using var db = new SqlServerDesignTimeFactory().CreateDbContext([]);
        db.Database.HasPendingModelChanges().ShouldBeFalse("run: dotnet ef migrations add <Name> --project BulkSender.Core " +
            "--startup-project BulkSender.Core --context SqlServerDbContext --output-dir Data/Migrations/SqlServer");
    }

    [Fact]
    public void PostgreSql_migrations_match_the_model()
    {
        using var db = new PostgreSqlDesignTimeFactory().CreateDbContext([]);
        db.Database.HasPendingModelChanges().ShouldBeFalse("run: dotnet ef migrations add <Name> --project BulkSender.Core " +
            "--startup-project BulkSender.Core --context PostgreSqlDbContext --output-dir Data/Migrations/PostgreSql");
    }

    [Fact]
    public void SqlServer_migration_script_generates_without_a_server()
    {
        using var db = new SqlServerDesignTimeFactory().CreateDbContext([]);
        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        script.ShouldContain("CREATE TABLE [Contacts]");
        script.ShouldContain("CREATE TABLE [Deliveries]");
        script.ShouldContain("CREATE UNIQUE INDEX [IX_Contacts_Channel_Address]");
        script.ShouldContain("CREATE UNIQUE INDEX [IX_Batches_MessageId_Number]");
        script.ShouldContain("[__EFMigrationsHistory]");
    }

    [Fact]
    public async Task Sqlite_migrations_create_a_working_database_file()
    {
        var dir = RepoPaths.NewTempDirectory("migrate");
        var options = new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite($"Data Source={Path.Combine(dir, "m.db")}").Options;
        await using (var db = new SqliteDbContext(options))
        {
            await db.Database.MigrateAsync();
            (await db.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
            db.Contacts.Add(new BulkSender.Core.Contacts.Contact
            {
                Channel = BulkSender.Core.Channels.ChannelKind.Email,
                Address = "a@example.com", Name = "A"
            });
            await db.SaveChangesAsync();
        }

        // Unique per channel + address.
        await using (var db = new SqliteDbContext(options))
        {
            db.Contacts.Add(new BulkSender.Core.Contacts.Contact
            {
                Channel = BulkSender.Core.Channels.ChannelKind.Email,
                Address = "a@example.com", Name = "B"
            });
            await Should.ThrowAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }
}
