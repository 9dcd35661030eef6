using System.Data;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Data;

public static class Transactions
{
    /// <summary>
    /// Runs <paramref name="work"/> in one transaction on a fresh context, inside the provider's execution strategy
    /// (SQL Server retries transient failures, and then replays the whole unit on a new context).
    /// SQLite transactions are BEGIN IMMEDIATE: they take the write lock at once and wait for it.
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(this IDbContextFactory<AppDbContext> dbs,
        Func<AppDbContext, CancellationToken, Task<T>> work, CancellationToken cancellationToken,
        IsolationLevel isolation = IsolationLevel.Unspecified)
    {
        await using var probe = await dbs.CreateDbContextAsync(cancellationToken);
        return await probe.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            await using var transaction = await db.Database.BeginTransactionAsync(isolation, ct);
            var result = await work(db, ct);
            await transaction.CommitAsync(ct);
            return result;
        }, cancellationToken);
    }

    /// <summary>The same as <see cref="InTransactionAsync{T}"/> on a context the caller keeps using.</summary>
    public static async Task InTransactionAsync(this AppDbContext db, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await work(ct);
            await transaction.CommitAsync(ct);
        }, cancellationToken);
    }
}
