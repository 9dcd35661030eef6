using System.ComponentModel.DataAnnotations;

namespace BulkSender.Core.Funnel;

/// <summary>Bound to "Channels:StatusPolling".</summary>
public sealed class StatusPollingOptions
{
    public const string Section = "Channels:StatusPolling";

    /// <summary>Deliveries asked about per channel and run.</summary>
    [Range(1, 5000)]
    public int BatchSize { get; set; } = 200;

    /// <summary>Only messages sent this recently are polled.</summary>
    [Range(1, 720)]
    public int LookbackHours { get; set; } = 72;

    /// <summary>Requests per second when the channel has no rate of its own.</summary>
    [Range(0.1, 1000)]
    public double DefaultRatePerSecond { get; set; } = 5;
}
