using System.ComponentModel.DataAnnotations;

namespace BulkSender.Core.Jobs;

/// <summary>Bound to "Jobs".</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Hangfire workers in this process (0 = Hangfire's default, 5 × cores, capped at 20).</summary>
    [Range(0, 100)]
    public int WorkerCount { get; set; }

    /// <summary>
    /// How often this process also runs the reconcile steps itself, besides the every-minute <c>reconcile</c> job (unset:
    /// only that job). Shorter brings a dead instance's batches back sooner on the instances that live on; the steps are
    /// conditional updates, so running them on several instances at once is harmless.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan? ReconcileEvery { get; set; }
}
