using BulkSender.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.TestSupport;

/// <summary>
/// The one database several app processes share: a SQLite file in a temp folder, or a fresh database of its own on a
/// PostgreSQL server (created with a unique name, dropped at the end). The apps migrate it as they start.
/// </summary>
public sealed class ClusterDatabase : IAsyncDisposable
{
    private readonly string? directory;

    private ClusterDatabase(DatabaseProvider provider, string connectionString, string? directory)
    {
        Provider = provider;
        ConnectionString = connectionString;
        this.directory = directory;
    }

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    public string Name => Provider == DatabaseProvider.PostgreSql ? "PostgreSQL" : "SQLite file";

    public static ClusterDatabase Sqlite()
    {
        var directory = RepoPaths.NewTempDirectory("cluster");
        return new ClusterDatabase(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(directory, "app.db")};Default Timeout=30", directory);
    }

    /// <param name="server">A connection string to the server, without a database.</param>
    public static async Task<ClusterDatabase> PostgreSqlAsync(string server) =>
        new(DatabaseProvider.PostgreSql, await TestPostgres.CreateDatabaseAsync(server), null);

    /// <summary>The tests' choice: PostgreSQL when <see cref="TestPostgres.Enabled"/>, a SQLite file otherwise.</summary>
    public static async Task<ClusterDatabase> ForTestsAsync() =>
        TestPostgres.Server is { } server ? await PostgreSqlAsync(server) : Sqlite();

    /// <summary>The app's settings (as environment variables) that point it at this database.</summary>
    public IReadOnlyDictionary<string, string> AppSettings => new Dictionary<string, string>
    {
        ["Database__Provider"] = Provider.ToString(),
        [$"ConnectionStrings__{Provider}"] = ConnectionString,
    };

    public AppDbContext CreateDbContext() => Provider == DatabaseProvider.PostgreSql
        ? new PostgreSqlDbContext(new DbContextOptionsBuilder<PostgreSqlDbContext>().UseNpgsql(ConnectionString).Options)
        : new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite(ConnectionString).Options);

    public async ValueTask DisposeAsync()
    {
        if (Provider == DatabaseProvider.PostgreSql)
            await TestPostgres.DropDatabaseAsync(ConnectionString);
        SqliteConnection.ClearAllPools();
        if (directory is not null)
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
