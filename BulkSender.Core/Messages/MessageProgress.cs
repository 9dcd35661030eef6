using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;

namespace BulkSender.Core.Messages;

/// <summary>
/// A send's state at one moment: what the message page, the hub and the API show. Read by <see cref="MessageQueries"/>
/// and pushed live.
/// </summary>
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
}
