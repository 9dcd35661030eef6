using System.Data;
using Microsoft.EntityFrameworkCore;

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
    public static async Task<T> InTransactionAsync<T>(this AppDbContext db, Func<CancellationToken, Task<T>> work,
        CancellationToken cancellationToken)
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

    /// <summary>Runs one <see cref="RawSql"/> statement; returns the rows it changed.</summary>
    public static Task<int> ExecuteAsync(this AppDbContext db, RawSql statement, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync(statement.Text, statement.Args, cancellationToken);
}
