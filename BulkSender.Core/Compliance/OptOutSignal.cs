namespace BulkSender.Core.Compliance;

/// <summary>
/// Tells running batch jobs of this process that some contact opted out, so they re-read the opted-out flags of the
/// recipients they hold in flight before handing the next one to the channel. A counter, raised after the opt-out is
/// committed: a job that saw the same value before it marked its recipients Sending (a query that already leaves
/// opted-out contacts out) knows nobody opted out since. Other instances are bounded by that query (at most one chunk
/// in flight per batch).
/// </summary>
public sealed class OptOutSignal
{
    private long version;

    public long Version => Interlocked.Read(ref version);

    public void Raise() => Interlocked.Increment(ref version);
}
