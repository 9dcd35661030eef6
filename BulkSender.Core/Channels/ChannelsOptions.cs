using System.ComponentModel.DataAnnotations;

namespace BulkSender.Core.Channels;

/// <summary>Bound to "Channels": per-channel send rate.</summary>
public sealed class ChannelsOptions : IValidatableObject
{
    public const string Section = "Channels";

    /// <summary>Messages per second per channel, shared by all workers of one process (0 = no limit).</summary>
    public Dictionary<ChannelKind, double> RatePerSecond { get; set; } = [];

    public const double DefaultRatePerSecond = 10;

    public double RateFor(ChannelKind channel) => RatePerSecond.TryGetValue(channel, out var rate) ? rate : DefaultRatePerSecond;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (channel, rate) in RatePerSecond)
            if (rate is < 0 or > 10_000 || double.IsNaN(rate))
                yield return new ValidationResult($"Channels:RatePerSecond:{channel} must be between 0 (no limit) and 10000.");
    }
}
