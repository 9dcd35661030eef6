using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Funnel;

/// <summary>The one funnel query the message page and <c>GET /api/messages/{id}/report</c> share.</summary>
public sealed class FunnelQueries(IDbContextFactory<AppDbContext> dbs)
{
    /// <summary>The funnel of a message, counted in the database in one grouped query; null when there is no such message.</summary>
    public async Task<MessageFunnel?> ForMessageAsync(int messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        if (!await db.Messages.AnyAsync(m => m.Id == messageId, cancellationToken))
            return null;
        return await DeliveryQueries.LatestAttempts(db, messageId)
            .GroupBy(d => 1)
            .Select(g => new MessageFunnel(
                g.Count(),
                g.Count(d => d.Status == DeliveryStatus.Sent),
                g.Count(d => d.Status == DeliveryStatus.Sent && d.DeliveredAt != null),
                g.Count(d => d.Status == DeliveryStatus.Sent && d.ReadAt != null),
                g.Count(d => d.Status == DeliveryStatus.Sent && d.RepliedAt != null),
                g.Count(d => d.Status == DeliveryStatus.Sent && d.ClosedAt != null),
                g.Count(d => d.Status == DeliveryStatus.Failed)))
            .SingleOrDefaultAsync(cancellationToken) ?? MessageFunnel.Empty;
    }

    /// <summary>
    /// WhatsApp deliveries Meta charges for (pricing type "regular"), by pricing category, most first: every attempt
    /// counts, as each one is billed.
    /// </summary>
    public async Task<IReadOnlyList<BillableCount>> BillableByCategoryAsync(int messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Deliveries.Where(d => d.MessageId == messageId && d.Billable == true)
            .GroupBy(d => d.PricingCategory ?? "unknown")
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key)
            .Select(g => new BillableCount(g.Key, g.Count()))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Recipients who replied, open conversations first, the latest reply first; at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<RepliedRecipient>> RepliedAsync(int messageId, int limit, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await DeliveryQueries.LatestAttempts(db, messageId)
            .Where(d => d.Status == DeliveryStatus.Sent && d.RepliedAt != null)
            .OrderBy(d => d.ClosedAt != null).ThenByDescending(d => d.RepliedAt).ThenBy(d => d.Id)
            .Take(limit)
            .Select(d => new RepliedRecipient(d.Id, d.RecipientName, d.RecipientAddress, d.RepliedAt!.Value, d.ClosedAt))
            .ToListAsync(cancellationToken);
    }
}
