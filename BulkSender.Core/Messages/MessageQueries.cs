using BulkSender.Core.Attachments;
using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Retries;
using BulkSender.Core.Templates;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Messages;

/// <summary>A message's retry settings and where its retries stand.</summary>
public sealed record MessageRetryState(RetryPolicyType RetryPolicy, int MaxAttempts, int RetryCount, DateTime? NextRetryAt, int FailedCount);

/// <summary>A message as the Messages page lists it.</summary>
public sealed record MessageListRow(int Id, string Title, MessageStatus Status, ChannelKind Channel, int TotalRecipients, int SentCount,
    int FailedCount, int SkippedCount, string? CreatedByName, DateTime CreatedAt, DateTime? CompletedAt);

/// <summary>One page of the Messages list and how many messages match its filters.</summary>
public sealed record MessageList(IReadOnlyList<MessageListRow> Rows, int Total);

/// <summary>What the Messages pages read: a message with its batches, its retry state, the filtered list.</summary>
/// <summary>A message as written: its texts, WhatsApp template and attachment (<see cref="AttachmentStore.FindAsync"/>).</summary>
public sealed record MessageContent(string Title, string Content, ChannelKind Channel, TemplateChoice? Template, int? AttachmentId);

public sealed class MessageQueries(IDbContextFactory<AppDbContext> dbs)
{
    public async Task<MessageProgress?> SnapshotAsync(int messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await SnapshotAsync(db, messageId, null, cancellationToken);
    }

    /// <summary>
    /// Reads a message and (when <paramref name="batches"/> is null) all its batches; null when there is no such message.
    /// For callers that already hold a context (the progress hub and publisher).
    /// </summary>
    public static async Task<MessageProgress?> SnapshotAsync(AppDbContext db, int messageId, IReadOnlyList<BatchSnapshot>? batches,
        CancellationToken cancellationToken)
    {
        var m = await db.Messages.AsNoTracking().Where(m => m.Id == messageId)
            .Select(m => new MessageProgress(m.Id, m.Title, m.Status, m.Channel, m.TotalRecipients, m.SentCount, m.FailedCount, m.SkippedCount,
                m.BatchCount, m.Summary, m.ScheduledAt, m.StartedAt, m.CompletedAt, Array.Empty<BatchSnapshot>()))
            .SingleOrDefaultAsync(cancellationToken);
        if (m is null)
            return null;
        batches ??= await db.Batches.AsNoTracking().Where(b => b.MessageId == messageId).OrderBy(b => b.Number)
            .Select(b => new BatchSnapshot(b.MessageId, b.Id, b.Number, b.Status, b.RecipientCount, b.SentCount, b.FailedCount, b.SkippedCount,
                b.DueAt))
            .ToListAsync(cancellationToken);
        return m with { Batches = batches };
    }

    public async Task<MessageRetryState?> RetryStateAsync(int messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Messages.Where(m => m.Id == messageId)
            .Select(m => new MessageRetryState(m.RetryPolicy, m.MaxAttempts, m.RetryCount, m.NextRetryAt, m.FailedCount))
            .SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>What the message says (as written, before personalization) and its attachment's id; null when there is no such message.</summary>
    public async Task<MessageContent?> ContentAsync(int messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Messages.AsNoTracking().Where(m => m.Id == messageId)
            .Select(m => new MessageContent(m.Title, m.Content, m.Channel, m.WhatsAppTemplate, m.AttachmentId))
            .SingleOrDefaultAsync(cancellationToken);
    }

    public async Task<bool> AnyAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Messages.AnyAsync(cancellationToken);
    }

    /// <summary>Newest first, filtered by status and channel when given.</summary>
    public async Task<MessageList> ListAsync(MessageStatus? status, ChannelKind? channel, int skip, int take, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var query = Filtered(db, status, channel);
        var total = await query.CountAsync(cancellationToken);
        var rows = await NewestFirst(query).Skip(skip).Take(take)
            .Select(m => new MessageListRow(m.Id, m.Title, m.Status, m.Channel, m.TotalRecipients, m.SentCount, m.FailedCount, m.SkippedCount,
                m.CreatedByName, m.CreatedAt, m.CompletedAt))
            .ToListAsync(cancellationToken);
        return new MessageList(rows, total);
    }

    /// <summary>The messages of one status and one channel when given: the Messages page's and the API's list alike.</summary>
    internal static IQueryable<Message> Filtered(AppDbContext db, MessageStatus? status, ChannelKind? channel)
    {
        var query = db.Messages.AsNoTracking();
        if (status is { } s)
            query = query.Where(m => m.Status == s);
        if (channel is { } c)
            query = query.Where(m => m.Channel == c);
        return query;
    }

    internal static IOrderedQueryable<Message> NewestFirst(IQueryable<Message> query) =>
        query.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id);
}
