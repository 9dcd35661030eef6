namespace BulkSender.Core.Jobs;

/// <summary>Hangfire queues, in the order workers take from them.</summary>
public static class JobQueues
{
    /// <summary>Batch sends: the work operators wait for.</summary>
    public const string Dispatch = "dispatch";

    /// <summary>Everything else: retries, campaign days, reconciliation, cleanup.</summary>
    public const string Default = "default";

    public static readonly string[] All = [Dispatch, Default];
}
