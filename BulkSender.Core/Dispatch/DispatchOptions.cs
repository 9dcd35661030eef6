using System.ComponentModel.DataAnnotations;

namespace BulkSender.Core.Dispatch;

/// <summary>Bound to "Dispatch": how sends are cut into batches and how running batches show they are alive.</summary>
public sealed class DispatchOptions : IValidatableObject
{
    public const string Section = "Dispatch";

    /// <summary>The most contacts one hand-picked selection may hold. A product rule, not a setting.</summary>
    public const int MaxSelection = 2000;

    /// <summary>
    /// A batch job marks its recipients Sending this many at a time (the check for cancellation and opt-outs), and
    /// persists the outcomes answered so far (with a heartbeat) each time it has handed this many to the channel.
    /// A process that dies leaves per batch at most its sends in flight at its last write plus this many in Sending.
    /// </summary>
    public const int ProgressEvery = 5;

    /// <summary>Recipients per batch; one Hangfire job sends one batch.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>How often a running batch records that it is alive, even while it waits for the rate limiter.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A batch in Processing with no heartbeat for this long is taken back and enqueued again.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(10);

    public int BatchesFor(int recipients) => (recipients + BatchSize - 1) / BatchSize;

    /// <summary>The size of each batch in order: all full except the last (250 → 100, 100, 50).</summary>
    public IEnumerable<int> BatchSizes(int recipients)
    {
        for (var left = recipients; left > 0; left -= BatchSize)
            yield return Math.Min(BatchSize, left);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HeartbeatInterval <= TimeSpan.Zero)
            yield return new ValidationResult("Dispatch:HeartbeatInterval must be positive.");
        if (StaleAfter < 2 * HeartbeatInterval)
            yield return new ValidationResult(
                "Dispatch:StaleAfter must be at least twice Dispatch:HeartbeatInterval, or live batches would be taken back.");
    }
}
