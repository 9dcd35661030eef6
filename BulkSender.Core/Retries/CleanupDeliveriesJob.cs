using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Idempotency;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Retries;

/// <summary>
/// The daily recurring job "cleanup-deliveries": old successful deliveries (message and batch totals are counters
/// and do not change), and the records of expired idempotency keys.
/// </summary>
public sealed class CleanupDeliveriesJob(IDbContextFactory<AppDbContext> dbs, IdempotencyKeys keys,
    IOptions<CleanupOptions> options, TimeProvider clock, ILogger<CleanupDeliveriesJob> log)
{
    public const string RecurringId = "cleanup-deliveries";
    private const int Chunk = 5000;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow().UtcDateTime.AddDays(-options.Value.KeepSuccessfulDays);
        var deleted = 0;
        int removed;
        do
        {
            // Small chunks keep each write lock short while sends run.
            await using var db = await dbs.CreateDbContextAsync(cancellationToken);
            removed = await db.Deliveries
                .Where(d =>
                    db.Deliveries.Where(x =>
                        x.Status == DeliveryStatus.Sent && x.SentAt < before).OrderBy(x => x.Id).Take(Chunk).Select(x => x.Id).Contains(d.Id))
                .ExecuteDeleteAsync(cancellationToken);
            deleted += removed;
        }
        while (removed == Chunk);
        if (deleted > 0)
            log.LogInformation("Deleted {Count} successful deliveries sent before {Before:yyyy-MM-dd}", deleted, before);
        if (await keys.DeleteExpiredAsync(cancellationToken) is > 0 and var expired)
            log.LogInformation("Deleted {Count} expired idempotency keys", expired);
        return deleted;
    }
}
