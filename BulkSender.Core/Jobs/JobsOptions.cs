namespace BulkSender.Core.Jobs;

/// <summary>Bound to "Jobs".</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Hangfire workers in this process (0 = Hangfire's default, 5 × cores, capped at 20).</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 100)]
    public int WorkerCount { get; set; }
}
