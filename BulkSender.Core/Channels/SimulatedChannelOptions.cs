using System.ComponentModel.DataAnnotations;
using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels;

/// <summary>Bound to "Channels:Simulated": how the built-in provider stand-in behaves.</summary>
public sealed class SimulatedChannelOptions : IValidatableObject
{
    public const string Section = "Channels:Simulated";

    /// <summary>How long one send takes, in milliseconds.</summary>
    [Range(0, 60_000)] public int LatencyMs { get; set; } = 50;

    /// <summary>Up to this many milliseconds added to the latency, the same for the same recipient every run.</summary>
    [Range(0, 60_000)] public int LatencyJitterMs { get; set; }

    /// <summary>Outcomes are a function of this seed, the message, the address and the attempt: runs are repeatable.</summary>
    public int Seed { get; set; } = 20261123;

    /// <summary>The share of sends that fail with each error type (0–1 each, at most 1 together).</summary>
    public Dictionary<ErrorType, double> FailureRates { get; set; } = [];

    /// <summary>The Retry-After a simulated rate-limit reply carries, in milliseconds (0: "retry at once").</summary>
    [Range(0, 60_000)] public int RateLimitRetryAfterMs { get; set; } = 1000;

    /// <summary>When set, every send is also appended to this file (one line each, flushed), so it survives a crash.</summary>
    public string? LogFile { get; set; }

    /// <summary>How many sends the in-memory log keeps (the oldest go first).</summary>
    [Range(0, 10_000_000)] public int LogCapacity { get; set; } = 100_000;

    /// <summary>The share of accepted sends reported delivered (0: the simulated provider reports no events at all).</summary>
    [Range(0.0, 1.0)] public double DeliveredRate { get; set; } = 0.95;

    /// <summary>The share of delivered messages reported read.</summary>
    [Range(0.0, 1.0)] public double ReadRate { get; set; } = 0.7;

    /// <summary>The share of read messages the contact replies to (never with "STOP").</summary>
    [Range(0.0, 1.0)] public double ReplyRate { get; set; } = 0.1;

    /// <summary>Delivered comes between this long and twice this long after the send.</summary>
    public TimeSpan DeliveredAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Read comes between this long and twice this long after delivered.</summary>
    public TimeSpan ReadAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A reply comes between this long and twice this long after read.</summary>
    public TimeSpan ReplyAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often due events are applied.</summary>
    public TimeSpan EventsInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How far back a starting process looks for events that came due while no process ran.</summary>
    public TimeSpan EventsCatchUp { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, delay) in new[] { ("DeliveredAfter", DeliveredAfter), ("ReadAfter", ReadAfter), ("ReplyAfter", ReplyAfter),
            ("EventsCatchUp", EventsCatchUp) })
            if (delay < TimeSpan.Zero || delay > TimeSpan.FromDays(1))
                yield return new ValidationResult($"Channels:Simulated:{name} must be between 00:00:00 and 1.00:00:00.");
        if (EventsInterval <= TimeSpan.Zero || EventsInterval > TimeSpan.FromHours(1))
            yield return new ValidationResult("Channels:Simulated:EventsInterval must be more than 00:00:00 and at most 01:00:00.");
        if (FailureRates.Values.Any(r => r is < 0 or > 1 || double.IsNaN(r)))
            yield return new ValidationResult("Channels:Simulated:FailureRates must each be between 0 and 1.");
        if (FailureRates.Values.Sum() > 1)
            yield return new ValidationResult("Channels:Simulated:FailureRates must add up to at most 1.");
    }
}
