using BulkSender.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.TestSupport;

/// <summary>A real, migrated SQLite file of its own; the factory the app's services take.</summary>
public sealed class TestDatabase : IDbContextFactory<AppDbContext>, IAsyncDisposable
{
    private readonly string directory;
    private readonly DbContextOptions<SqliteDbContext> options;

    private TestDatabase(string directory)
    {
        this.directory = directory;
        Path = System.IO.Path.Combine(directory, "test.db");
        options = new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite($"Data Source={Path};Default Timeout=30").Options;
    }

    public string Path { get; }

    public static async Task<TestDatabase> CreateAsync()
    {
        var database = new TestDatabase(RepoPaths.NewTempDirectory("db"));
        await using var db = database.CreateDbContext();
        await db.Database.MigrateAsync();
        return database;
    }

    public AppDbContext CreateDbContext() => new SqliteDbContext(options);

    public async ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        await Task.Yield();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
