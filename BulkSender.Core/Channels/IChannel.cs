using BulkSender.Core.Retries;
using Microsoft.Extensions.DependencyInjection;

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
    /// <summary>How long the provider asked us to wait (a rate-limit reply's Retry-After), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static ChannelResult Sent(string providerMessageId) => new(true, providerMessageId, null, null, null);

    public static ChannelResult Failed(ErrorType type, string code, string message) => new(false, null, code, message, type);
}

/// <summary>
/// The adapter for each channel: the real one (Messenger, e-mail, WhatsApp) once its settings are complete, the
/// simulated one until then. Asked once per batch, so a settings change applies from the next batch on.
/// </summary>
public sealed class ChannelAdapters(SimulatedChannel simulated, IServiceProvider services, ChannelRateLimiter limiter)
{
    public async Task<IChannel> ForAsync(ChannelKind channel, CancellationToken cancellationToken)
    {
        var real = services.GetKeyedService<IRealChannel>(channel);
        IChannel adapter = real is not null && await real.IsConfiguredAsync(cancellationToken) ? real : simulated;
        return new BackingOffChannel(adapter, channel, limiter);
    }
}

/// <summary>
/// A rate-limit reply pauses the channel's shared limiter (for the provider's Retry-After when it gives one), so the
/// rest of the batch, and every other batch on the channel, stops hammering the provider.
/// </summary>
public sealed class BackingOffChannel(IChannel inner, ChannelKind channel, ChannelRateLimiter limiter) : IChannel
{
    public async Task<ChannelResult> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        var result = await inner.SendAsync(message, cancellationToken);
        if (result.ErrorType == ErrorType.RateLimit)
            limiter.BackOff(channel, result.RetryAfter);
        return result;
    }
}
