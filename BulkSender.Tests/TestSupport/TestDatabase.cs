using BulkSender.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.TestSupport;

/// <summary>
/// A real, migrated database of its own, the factory the app's services take: a SQLite file, or a fresh PostgreSQL
/// database when <see cref="TestPostgres.Enabled"/>.
/// </summary>
public sealed class TestDatabase : IDbContextFactory<AppDbContext>, IAsyncDisposable
{
    private readonly string directory;
    private readonly string? postgreSql;
    private readonly DbContextOptions<SqliteDbContext>? sqlite;
    private readonly DbContextOptions<PostgreSqlDbContext>? postgreSqlOptions;

    private TestDatabase(string directory, string? postgreSql)
    {
        this.directory = directory;
        this.postgreSql = postgreSql;
        Path = System.IO.Path.Combine(directory, "test.db");
        if (postgreSql is null)
            sqlite = new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite($"Data Source={Path};Default Timeout=30")
                .AddInterceptors(new SqliteBusyTimeout()).Options; // as the app: SQLite waits for a lock itself
        else
            postgreSqlOptions = new DbContextOptionsBuilder<PostgreSqlDbContext>().UseNpgsql(postgreSql).Options;
    }

    /// <summary>The SQLite file (not used on PostgreSQL).</summary>
    public string Path { get; }

    public static async Task<TestDatabase> CreateAsync()
    {
        var postgreSql = TestPostgres.Enabled ? await TestPostgres.CreateDatabaseAsync() : null;
        var database = new TestDatabase(RepoPaths.NewTempDirectory("db"), postgreSql);
        await using var db = database.CreateDbContext();
        await db.Database.MigrateAsync();
        if (postgreSql is null)
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;"); // as the app: readers do not wait for writers
        return database;
    }

    public AppDbContext CreateDbContext() =>
        sqlite is not null ? new SqliteDbContext(sqlite) : new PostgreSqlDbContext(postgreSqlOptions!);

    public async ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (postgreSql is not null)
            await TestPostgres.DropDatabaseAsync(postgreSql);
        await Task.Yield();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
