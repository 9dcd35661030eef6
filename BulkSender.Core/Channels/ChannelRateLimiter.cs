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

    /// <summary>Waits until one more message may go to <paramref name="channel"/>'s provider; returns the grant's timestamp.</summary>
    public ValueTask<long> WaitAsync(ChannelKind channel, CancellationToken cancellationToken)
    {
        var limiter = limiters.GetOrAdd(channel, c => options.Value.RateFor(c) is > 0 and var rate ? new IntervalLimiter(rate, clock) : null);
        return limiter?.WaitAsync(cancellationToken) ?? ValueTask.FromResult(clock.GetTimestamp());
    }
}

/// <summary>
/// Lets callers through one at a time, each at least 1/rate after the previous one (FIFO). Unlike a token bucket
/// (System.Threading.RateLimiting) it allows no burst, so no one-second window ever holds more grants than the rate.
/// </summary>
public sealed class IntervalLimiter(double perSecond, TimeProvider clock)
{
    /// <summary>Timers on Linux tick every 4 ms; the last stretch of a wait is slept precisely instead.</summary>
    private static readonly TimeSpan TimerGranularity = TimeSpan.FromMilliseconds(5);

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly TimeSpan interval = TimeSpan.FromTicks((long)Math.Ceiling(TimeSpan.TicksPerSecond / perSecond));
    private long? lastGrant;

    public async ValueTask<long> WaitAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            while (lastGrant is { } last && interval - clock.GetElapsedTime(last) is var remaining && remaining > TimeSpan.Zero)
            {
                if (remaining > TimerGranularity)
                    await Task.Delay(remaining - TimerGranularity, clock, cancellationToken);
                else if (clock == TimeProvider.System)
                    Thread.Sleep(remaining);
                else
                    await Task.Delay(remaining, clock, cancellationToken);
            }
            lastGrant = clock.GetTimestamp();
            return lastGrant.Value;
        }
        finally
        {
            gate.Release();
        }
    }
}
