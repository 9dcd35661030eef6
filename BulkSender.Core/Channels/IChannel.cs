using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels;

/// <summary>One provider adapter: sends one message to one recipient and says how it went. Never throws for a provider error.</summary>
public interface IChannel
{
    Task<ChannelResult> SendAsync(OutgoingMessage message, CancellationToken cancellationToken);
}

/// <summary>What an adapter needs to reach one recipient.</summary>
public sealed record OutgoingMessage(
    long DeliveryId,
    int MessageId,
    ChannelKind Channel,
    string Address,
    string? Name,
    int AttemptNumber,
    string Title,
    string Content,
    string? MessageTag);

/// <summary>The provider's answer: its message id, or an error code, message and <see cref="Retries.ErrorType"/>.</summary>
public sealed record ChannelResult(bool Succeeded, string? ProviderMessageId, string? ErrorCode, string? ErrorMessage, ErrorType? ErrorType)
{
    public static ChannelResult Sent(string providerMessageId) => new(true, providerMessageId, null, null, null);

    public static ChannelResult Failed(ErrorType type, string code, string message) => new(false, null, code, message, type);
}
