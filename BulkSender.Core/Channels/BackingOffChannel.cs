using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels;

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
