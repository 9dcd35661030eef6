using BulkSender.Core.Dispatch;

namespace BulkSender.Core.Messages;

/// <summary>The progress rules every view shares: in flight or not, and the share processed.</summary>
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
