using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Funnel;

/// <summary>
/// A send's delivery funnel, one count per recipient (its latest attempt): Sent → Delivered → Read → Replied → Closed,
/// with the failed ones and all recipients beside. A later stage counts in the earlier ones (read implies delivered).
/// </summary>
public sealed record MessageFunnel(int Total, int Sent, int Delivered, int Read, int Replied, int Closed, int Failed)
{
    public static readonly MessageFunnel Empty = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>The stages in order, with their counts, for charts and lists.</summary>
    public IReadOnlyList<(string Stage, int Count)> Stages =>
        [("Sent", Sent), ("Delivered", Delivered), ("Read", Read), ("Replied", Replied), ("Closed", Closed)];

    /// <summary>A count as a percentage of Sent (0–100, one decimal; 0 while nothing was sent).</summary>
    public double PercentOfSent(int count) => Sent == 0 ? 0 : Math.Round(100.0 * count / Sent, 1);
}

/// <summary>A recipient who replied (their latest attempt), and whether an operator closed the conversation.</summary>
public sealed record RepliedRecipient(long DeliveryId, string? Name, string Address, DateTime RepliedAt, DateTime? ClosedAt);

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
