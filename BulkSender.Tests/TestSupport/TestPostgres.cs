using Npgsql;

namespace BulkSender.Tests.TestSupport;

/// <summary>
/// The PostgreSQL server the integration tests marked <c>[Trait("Database", "Both")]</c> run on when the environment
/// variable <see cref="Variable"/> holds its connection string (test.sh starts a throwaway cluster and sets it). Each
/// test database is then a fresh database of its own there: created with a unique name, migrated by its user, dropped.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "BULKSENDER_TEST_POSTGRES";

    /// <summary>The server's connection string (no database), or null: the tests run on SQLite.</summary>
    public static string? Server => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } server ? server : null;

    public static bool Enabled => Server is not null;

    /// <summary>Creates an empty database with a unique name on <see cref="Server"/>; returns its connection string.</summary>
    public static Task<string> CreateDatabaseAsync() =>
        CreateDatabaseAsync(Server ?? throw new InvalidOperationException($"{Variable} is not set."));

    /// <summary>Creates an empty database with a unique name on <paramref name="server"/>; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string server)
    {
        var name = $"bulksender_test_{Guid.NewGuid():N}";
        await AdminAsync(server, $"CREATE DATABASE \"{name}\"");
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    /// <summary>Drops the database of <paramref name="connectionString"/>, ending any connection still open to it.</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        await using (var connection = new NpgsqlConnection(connectionString))
            NpgsqlConnection.ClearPool(connection);
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await AdminAsync(connectionString, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    private static async Task AdminAsync(string server, string sql)
    {
        var admin = new NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
