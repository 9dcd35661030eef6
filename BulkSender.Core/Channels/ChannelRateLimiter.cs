using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Channels;

/// <summary>
/// One limiter per channel for the whole process, shared by every Hangfire worker: batches of one message run in
/// parallel and this, not sequential sending, keeps the provider's limit. The limit is per process; several app
/// instances each get their own.
/// </summary>
public sealed class ChannelRateLimiter(IOptions<ChannelsOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<ChannelKind, IntervalLimiter?> limiters = new();

    /// <summary>Waits until one more message may go to <paramref name="channel"/>'s provider.</summary>
    public ValueTask WaitAsync(ChannelKind channel, CancellationToken cancellationToken)
    {
        var limiter = limiters.GetOrAdd(channel, c => options.Value.RateFor(c) is > 0 and var rate ? new IntervalLimiter(rate, clock) : null);
        return limiter?.WaitAsync(cancellationToken) ?? ValueTask.CompletedTask;
    }
}

/// <summary>
/// Lets callers through one at a time, at least 1/rate apart as measured from the previous grant. Unlike a token
/// bucket it allows no burst, so no window of one second ever holds more than the rate.
/// </summary>
public sealed class IntervalLimiter(double perSecond, TimeProvider clock)
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly TimeSpan interval = TimeSpan.FromTicks((long)Math.Ceiling(TimeSpan.TicksPerSecond / perSecond));
    private long? lastGrant;

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            // Timers round to whole milliseconds and may fire a little early: check again until the interval has passed.
            while (lastGrant is { } last && interval - clock.GetElapsedTime(last) is var remaining && remaining > TimeSpan.Zero)
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)), clock, cancellationToken);
            lastGrant = clock.GetTimestamp();
        }
        finally
        {
            gate.Release();
        }
    }
}
