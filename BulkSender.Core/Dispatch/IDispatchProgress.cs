namespace BulkSender.Core.Dispatch;

/// <summary>
/// A batch's counters at one moment; <paramref name="DueAt"/> when a pending batch waits for a time (a schedule, or the e-mail daily
/// limit).
/// </summary>
public sealed record BatchSnapshot(
    int MessageId,
    int BatchId,
    int Number,
    BatchStatus Status,
    int RecipientCount,
    int SentCount,
    int FailedCount,
    int SkippedCount,
    DateTime? DueAt = null)
{
    public static BatchSnapshot Of(MessageBatch batch) => new(batch.MessageId, batch.Id, batch.Number, batch.Status,
        batch.RecipientCount, batch.SentCount, batch.FailedCount, batch.SkippedCount, batch.DueAt);
}

/// <summary>
/// How sends report what happens, for live displays. Calls return at once and never throw; the implementation
/// (SignalR in the web app) decides how often to pass progress on.
/// </summary>
public interface IDispatchProgress
{
    /// <summary>A running batch's counters moved. May be throttled.</summary>
    void Progressed(BatchSnapshot batch);

    /// <summary>A batch changed state (claimed, completed, failed, cancelled, released). Always passed on.</summary>
    void BatchChanged(BatchSnapshot batch);

    /// <summary>A message changed state (created, released, cancelled).</summary>
    void MessageChanged(int messageId);

    /// <summary>A message got its final status and summary. Called once per send.</summary>
    void MessageCompleted(int messageId);

    /// <summary>Deliveries of a message moved in the funnel (delivered, read, replied, closed, failed by the provider). May be throttled.</summary>
    void FunnelChanged(int messageId);
}

/// <summary>Nobody is watching (benchmarks, tests, a host without the web app).</summary>
public sealed class NoDispatchProgress : IDispatchProgress
{
    public void Progressed(BatchSnapshot batch)
    {
    }

    public void BatchChanged(BatchSnapshot batch)
    {
    }

    public void MessageChanged(int messageId)
    {
    }

    public void MessageCompleted(int messageId)
    {
    }

    public void FunnelChanged(int messageId)
    {
    }
}
