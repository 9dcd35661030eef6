using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace BulkSender.Core.Data;

public static class Transactions
{
    /// <summary>
    /// Runs <paramref name="work"/> in one transaction on a fresh context, inside the provider's execution strategy
    /// (SQL Server retries transient failures, and then replays the whole unit on a new context).
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(this IDbContextFactory<AppDbContext> dbs,
        Func<AppDbContext, CancellationToken, Task<T>> work, CancellationToken cancellationToken,
        IsolationLevel isolation = IsolationLevel.Unspecified)
    {
        await using var probe = await dbs.CreateDbContextAsync(cancellationToken);
        return await probe.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            using var turn = await SqliteWriteGate.EnterAsync(db, ct);
            await using var transaction = await db.Database.BeginTransactionAsync(isolation, ct);
            var result = await work(db, ct);
            await transaction.CommitAsync(ct);
            return result;
        }, cancellationToken);
    }

    /// <summary>The same on a context the caller keeps using; for set-based statements (nothing tracked).</summary>
    public static async Task<T> InTransactionAsync<T>(this AppDbContext db, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            using var turn = await SqliteWriteGate.EnterAsync(db, ct);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var result = await work(ct);
            await transaction.CommitAsync(ct);
            return result;
        }, cancellationToken);
    }
}

/// <summary>
/// SQLite has one writer at a time. Left to themselves, writers that find the database locked are retried by
/// Microsoft.Data.Sqlite after sleeping 150 ms, which caps a busy send at a few hundred recipients a second. Writes
/// made through <see cref="Transactions"/> first take this process-wide turn for their database file, so they queue
/// in order and start the moment the previous one commits. Other processes (and other writes) still meet SQLite's
/// own lock, waited on through busy_timeout (<see cref="SqliteBusyTimeout"/>). SQL Server needs none of this.
/// </summary>
public static class SqliteWriteGate
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new();

    public static async Task<IDisposable?> EnterAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite() || db.Database.CurrentTransaction is not null)
            return null;
        var file = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        var gate = Gates.GetOrAdd(file, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Turn(gate);
    }

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
                gate.Release();
        }
    }
}

/// <summary>
/// Makes SQLite wait for a lock itself (short back-off) instead of returning "busy" at once, which Microsoft.Data.Sqlite
/// would answer with a 150 ms sleep.
/// </summary>
public sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
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
