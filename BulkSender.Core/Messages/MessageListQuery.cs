using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Messages;

/// <summary>
/// The messages, newest first, one page at a time, optionally of one status and one channel: the list the API gives
/// integrators. Counts are the message's own (each recipient by their latest attempt).
/// </summary>
public sealed class MessageListQuery(IDbContextFactory<AppDbContext> dbs)
{
    public const int MaxPageSize = 200;

    /// <param name="page">From 0.</param>
    /// <param name="pageSize">Kept within 1 to <see cref="MaxPageSize"/>.</param>
    public async Task<MessageListPage> PageAsync(MessageStatus? status, ChannelKind? channel, int page, int pageSize,
        CancellationToken cancellationToken)
    {
        page = Math.Max(page, 0);
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var query = MessageQueries.Filtered(db, status, channel);
        var total = await query.CountAsync(cancellationToken);
        var items = await MessageQueries.NewestFirst(query).Skip(page * pageSize).Take(pageSize)
            .Select(m => new MessageListItem(m.Id, m.Title, m.Status, m.Channel, m.TotalRecipients, m.SentCount, m.FailedCount, m.SkippedCount,
                m.BatchCount, m.CreatedByName, m.CreatedAt, m.ScheduledAt, m.CompletedAt))
            .ToListAsync(cancellationToken);
        return new MessageListPage(items, total, page, pageSize);
    }
}
