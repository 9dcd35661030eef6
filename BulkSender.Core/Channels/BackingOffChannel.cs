using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels;

/// <summary>
/// A rate-limit reply pauses the channel's limiter for every instance (for the provider's Retry-After when it gives
/// one), so the rest of the batch, every other batch on the channel and the other instances stop hammering the
/// provider. The reply names when its request left, so the replies to one burst start one pause, not one each.
/// </summary>
public sealed class BackingOffChannel(IChannel inner, ChannelKind channel, ChannelRateLimiter limiter, TimeProvider clock) : IChannel
{
    public async Task<ChannelResult> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        var sentAt = clock.GetUtcNow();
        var result = await inner.SendAsync(message, cancellationToken);
        if (result.ErrorType == ErrorType.RateLimit)
            await limiter.BackOffAsync(channel, result.RetryAfter, sentAt, cancellationToken);
        return result;
    }
}
