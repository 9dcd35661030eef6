using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels;

/// <summary>The provider's answer: its message id, or an error code, message and <see cref="Retries.ErrorType"/>.</summary>
public sealed record ChannelResult(bool Succeeded, string? ProviderMessageId, string? ErrorCode, string? ErrorMessage, ErrorType? ErrorType)
{
    /// <summary>How long the provider asked us to wait (a rate-limit reply's Retry-After), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static ChannelResult Sent(string providerMessageId) => new(true, providerMessageId, null, null, null);

    public static ChannelResult Failed(ErrorType type, string code, string message) => new(false, null, code, message, type);
}
