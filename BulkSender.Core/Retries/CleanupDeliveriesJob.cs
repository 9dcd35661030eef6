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

    public async Task<int> RunAsync(CancellationToken cancellationToken) => (await RunChunksAsync(cancellationToken)).Deleted;

    /// <summary>The job, with how long its longest chunk held the write (the large-tables benchmark reports it).</summary>
    public async Task<CleanupRun> RunChunksAsync(CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow().UtcDateTime.AddDays(-options.Value.KeepSuccessfulDays);
        var deleted = 0;
        var chunks = 0;
        var longest = TimeSpan.Zero;
        int removed;
        do
        {
            // Small chunks keep each write lock short while sends run: one statement each, its own transaction.
            await using var db = await dbs.CreateDbContextAsync(cancellationToken);
            var started = clock.GetTimestamp();
            removed = await db.Deliveries
                .Where(d =>
                    db.Deliveries.Where(x =>
                        x.Status == DeliveryStatus.Sent && x.SentAt < before).OrderBy(x => x.Id).Take(Chunk).Select(x => x.Id).Contains(d.Id))
                .ExecuteDeleteAsync(cancellationToken);
            var took = clock.GetElapsedTime(started);
            longest = took > longest ? took : longest;
            deleted += removed;
            chunks++;
        }
        while (removed == Chunk);
        if (deleted > 0)
            log.LogInformation("Deleted {Count} successful deliveries sent before {Before:yyyy-MM-dd}", deleted, before);
        if (await keys.DeleteExpiredAsync(cancellationToken) is > 0 and var expired)
            log.LogInformation("Deleted {Count} expired idempotency keys", expired);
        return new CleanupRun(deleted, chunks, longest);
    }
}

/// <summary>What one run of the cleanup deleted, in how many chunks, and the longest one (each is one write).</summary>
public sealed record CleanupRun(int Deleted, int Chunks, TimeSpan LongestChunk);
