using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Web.Features.Messages;

/// <summary>A send's state at one moment: what the message page, the hub and the API show.</summary>
/// <param name="Batches">All batches when read for a page or a new subscriber; only those that changed in a live update.</param>
public sealed record MessageProgress(
    int MessageId,
    string Title,
    MessageStatus Status,
    ChannelKind Channel,
    int TotalRecipients,
    int SentCount,
    int FailedCount,
    int SkippedCount,
    int BatchCount,
    string? Summary,
    DateTime? ScheduledAt,
    DateTime? StartedAt,
    DateTime? CompletedAt,
    IReadOnlyList<BatchSnapshot> Batches)
{
    public int Processed => SentCount + FailedCount + SkippedCount;

    public double Percent => Progress.Percent(Processed, TotalRecipients, CompletedAt is not null);

    public bool InFlight => Progress.InFlight(Status, CompletedAt);

    /// <summary>Recipients per second since the send started, and the time the rest would take at that pace.</summary>
    public (double PerSecond, TimeSpan? Left) Pace(DateTime now)
    {
        if (StartedAt is not { } started || Processed == 0)
            return (0, null);
        var elapsed = ((CompletedAt ?? now) - started).TotalSeconds;
        if (elapsed <= 0)
            return (0, null);
        var perSecond = Processed / elapsed;
        return (perSecond, CompletedAt is null ? TimeSpan.FromSeconds((TotalRecipients - Processed) / perSecond) : TimeSpan.Zero);
    }

    /// <summary>Reads a message and (when <paramref name="batches"/> is null) all its batches; null when there is no such message.</summary>
    public static async Task<MessageProgress?> ReadAsync(AppDbContext db, int messageId, IReadOnlyList<BatchSnapshot>? batches, CancellationToken cancellationToken)
    {
        var message = await db.Messages.AsNoTracking().Where(m => m.Id == messageId)
            .Select(m => new
            {
                m.Title, m.Status, m.Channel, m.TotalRecipients, m.SentCount, m.FailedCount, m.SkippedCount, m.BatchCount, m.Summary,
                m.ScheduledAt, m.StartedAt, m.CompletedAt,
            })
            .SingleOrDefaultAsync(cancellationToken);
        if (message is null)
            return null;
        batches ??= await db.Batches.AsNoTracking().Where(b => b.MessageId == messageId).OrderBy(b => b.Number)
            .Select(b => new BatchSnapshot(b.MessageId, b.Id, b.Number, b.Status, b.RecipientCount, b.SentCount, b.FailedCount, b.SkippedCount, b.DueAt))
            .ToListAsync(cancellationToken);
        return new MessageProgress(messageId, message.Title, message.Status, message.Channel, message.TotalRecipients, message.SentCount,
            message.FailedCount, message.SkippedCount, message.BatchCount, message.Summary, message.ScheduledAt, message.StartedAt,
            message.CompletedAt, batches);
    }
}

public static class Progress
{
    /// <summary>Still to change by itself: waiting for its time, sending, or cancelled with batches still stopping.</summary>
    public static bool InFlight(MessageStatus status, DateTime? completedAt) =>
        status is MessageStatus.Sending or MessageStatus.Scheduled || (status == MessageStatus.Cancelled && completedAt is null);

    /// <summary>0–100: the share processed (sent, failed or skipped); 100 once finished, whatever was cancelled.</summary>
    public static double Percent(int processed, int total, bool finished) =>
        finished ? 100 : total == 0 ? 0 : Math.Min(100, 100.0 * processed / total);

    public static double Percent(BatchSnapshot batch) =>
        Percent(batch.SentCount + batch.FailedCount + batch.SkippedCount, batch.RecipientCount,
            batch.Status is BatchStatus.Completed or BatchStatus.Failed or BatchStatus.Cancelled);
}

/// <summary>A send finished: the summary for whoever watches, and who sent it (for their snackbar).</summary>
public sealed record SendCompleted(int MessageId, string Title, MessageStatus Status, string Summary);
