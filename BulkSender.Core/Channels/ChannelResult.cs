using BulkSender.Core.Channels.Errors;
using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels;

/// <summary>The provider's answer: its message id, or an error code, message and <see cref="Retries.ErrorType"/>.</summary>
public sealed record ChannelResult(bool Succeeded, string? ProviderMessageId, string? ErrorCode, string? ErrorMessage, ErrorType? ErrorType)
{
    /// <summary>How long the provider asked us to wait (a rate-limit reply's Retry-After), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>What the pipeline does about a failure (the channel's <see cref="ErrorTable"/>); Retry by default.</summary>
    public ErrorAction Action { get; init; } = ErrorAction.Retry;

    /// <summary>A failure that may be retried only from this time on (UTC; <see cref="ErrorAction.RetryLater"/>).</summary>
    public DateTime? NotBefore { get; init; }

    /// <summary>
    /// When the provider accepted the message (UTC, whole milliseconds, read as its answer arrived): the delivery's sent
    /// time, which read watermarks (milliseconds) are compared with. Null: the pipeline records its own time.
    /// </summary>
    public DateTime? AcceptedAt { get; init; }

    /// <summary>The operator-facing reason a paused channel shows (the channel's rule), when <see cref="Action"/> pauses it.</summary>
    public string? Reason { get; init; }

    public static ChannelResult Sent(string providerMessageId) => new(true, providerMessageId, null, null, null);

    public static ChannelResult Failed(ErrorType type, string code, string message) =>
        new(false, null, code, message, type) { Action = ErrorTable.DefaultAction(type) };

    /// <summary>A time truncated to whole milliseconds (UTC), the precision of Meta's watermarks.</summary>
    public static DateTime Milliseconds(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
}
