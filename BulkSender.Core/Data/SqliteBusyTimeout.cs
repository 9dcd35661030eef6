using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace BulkSender.Core.Data;

/// <summary>
/// Makes SQLite wait for a lock itself (short back-off) instead of returning "busy" at once, which Microsoft.Data.Sqlite
/// would answer with a 150 ms sleep.
/// </summary>
public sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        if (connection is not SqliteConnection sqlite)
            return;
        using var command = sqlite.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {sqlite.DefaultTimeout * 1000};";
        command.ExecuteNonQuery();
    }
}
