using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;

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

    /// <summary>
    /// This state with a live update applied: the update's message fields, and its batches (only those that changed)
    /// in place of the ones held, the rest kept.
    /// </summary>
    public MessageProgress With(MessageProgress update)
    {
        if (update.Batches.Count == 0)
            return update with { Batches = Batches };
        var batches = Batches.ToDictionary(b => b.BatchId);
        foreach (var batch in update.Batches)
            batches[batch.BatchId] = batch;
        return update with { Batches = [.. batches.Values.OrderBy(b => b.Number)] };
    }

    public static MessageProgress From(MessageSnapshot m) => new(m.MessageId, m.Title, m.Status, m.Channel, m.TotalRecipients, m.SentCount,
        m.FailedCount, m.SkippedCount, m.BatchCount, m.Summary, m.ScheduledAt, m.StartedAt, m.CompletedAt, m.Batches);

    /// <summary>Reads a message and (when <paramref name="batches"/> is null) all its batches; null when there is no such message.</summary>
    public static async Task<MessageProgress?> ReadAsync(AppDbContext db, int messageId, IReadOnlyList<BatchSnapshot>? batches,
        CancellationToken cancellationToken) =>
        await MessageQueries.SnapshotAsync(db, messageId, batches, cancellationToken) is { } snapshot ? From(snapshot) : null;
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
