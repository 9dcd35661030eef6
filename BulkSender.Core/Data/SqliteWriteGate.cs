using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Data;

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
