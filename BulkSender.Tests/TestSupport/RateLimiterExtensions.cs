using BulkSender.Core.Channels;

namespace BulkSender.Tests.TestSupport;

public static class RateLimiterExtensions
{
    /// <summary>Waits for <paramref name="channel"/>'s next slot; returns when it was granted (the limiter tests' measure).</summary>
    public static async ValueTask<long> WaitAsync(this ChannelRateLimiter limiter, ChannelKind channel, CancellationToken cancellationToken) =>
        (await limiter.TakeAsync(channel, cancellationToken)).Granted;
}
