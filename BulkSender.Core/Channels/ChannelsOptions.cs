using System.ComponentModel.DataAnnotations;

namespace BulkSender.Core.Channels;

/// <summary>Bound to "Channels": per-channel send rate and sends in flight.</summary>
public sealed class ChannelsOptions : IValidatableObject
{
    public const string Section = "Channels";

    /// <summary>Messages per second per channel, one limit for every instance on the database (0 = no limit).</summary>
    public Dictionary<ChannelKind, double> RatePerSecond { get; set; } = [];

    /// <summary>
    /// The most sends per channel waiting for the provider's answer at once in this process, across all batches
    /// (<see cref="InFlightLimiter"/> keeps as many as the rate needs, up to this). Unset: <see cref="DefaultMaxInFlight"/>.
    /// </summary>
    public Dictionary<ChannelKind, int> MaxInFlight { get; set; } = [];

    public const double DefaultRatePerSecond = 10;

    /// <summary>One send at a time per channel when nothing is configured (appsettings.json configures each channel).</summary>
    public const int DefaultMaxInFlight = 1;

    public double RateFor(ChannelKind channel) => RatePerSecond.TryGetValue(channel, out var rate) ? rate : DefaultRatePerSecond;

    public int MaxInFlightFor(ChannelKind channel) => MaxInFlight.TryGetValue(channel, out var max) ? max : DefaultMaxInFlight;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (channel, rate) in RatePerSecond)
            if (rate is < 0 or > 10_000 || double.IsNaN(rate))
                yield return new ValidationResult($"Channels:RatePerSecond:{channel} must be between 0 (no limit) and 10000.");
        foreach (var (channel, max) in MaxInFlight)
            if (max is < 1 or > 1000)
                yield return new ValidationResult($"Channels:MaxInFlight:{channel} must be between 1 and 1000.");
    }
}
