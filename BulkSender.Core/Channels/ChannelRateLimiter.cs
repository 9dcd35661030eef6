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
    /// <summary>How long a rate-limit reply without a Retry-After pauses the channel.</summary>
    public static readonly TimeSpan DefaultBackOff = TimeSpan.FromSeconds(5);

    /// <summary>The longest pause a provider's Retry-After can impose (a batch's heartbeat must keep going).</summary>
    public static readonly TimeSpan MaxBackOff = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<ChannelKind, IntervalLimiter> limiters = new();

    /// <summary>Waits until one more message may go to <paramref name="channel"/>'s provider; returns the grant's timestamp.</summary>
    public ValueTask<long> WaitAsync(ChannelKind channel, CancellationToken cancellationToken) => Limiter(channel).WaitAsync(cancellationToken);

    /// <summary>
    /// The provider said "too many": nothing more goes to it before the pause ends — its Retry-After when it gave
    /// one (zero: no pause), <see cref="DefaultBackOff"/> when it did not.
    /// </summary>
    public void BackOff(ChannelKind channel, TimeSpan? retryAfter)
    {
        var pause = retryAfter ?? DefaultBackOff;
        if (pause > TimeSpan.Zero)
            Limiter(channel).PauseFor(pause > MaxBackOff ? MaxBackOff : pause);
    }

    private IntervalLimiter Limiter(ChannelKind channel) =>
        limiters.GetOrAdd(channel, c => new IntervalLimiter(options.Value.RateFor(c), clock));
}

/// <summary>
/// Lets callers through one at a time, each at least 1/rate after the previous one (FIFO). Unlike a token bucket
/// (System.Threading.RateLimiting) it allows no burst, so no one-second window ever holds more grants than the rate.
/// A rate of 0 means no limit. <see cref="PauseFor"/> holds everyone back for a while (a provider's "slow down").
/// </summary>
public sealed class IntervalLimiter(double perSecond, TimeProvider clock)
{
    /// <summary>Timers on Linux tick every 4 ms; the last stretch of a wait is slept precisely instead.</summary>
    private static readonly TimeSpan TimerGranularity = TimeSpan.FromMilliseconds(5);

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly TimeSpan interval = perSecond > 0 ? TimeSpan.FromTicks((long)Math.Ceiling(TimeSpan.TicksPerSecond / perSecond)) : TimeSpan.Zero;
    private long? lastGrant;
    private long pausedUntil = long.MinValue;

    public void PauseFor(TimeSpan pause)
    {
        var until = clock.GetTimestamp() + (long)(pause.TotalSeconds * clock.TimestampFrequency);
        long current;
        while ((current = Interlocked.Read(ref pausedUntil)) < until && Interlocked.CompareExchange(ref pausedUntil, until, current) != current)
        {
        }
    }

    public async ValueTask<long> WaitAsync(CancellationToken cancellationToken)
    {
        if (interval == TimeSpan.Zero && Remaining() <= TimeSpan.Zero)
            return clock.GetTimestamp();
        await gate.WaitAsync(cancellationToken);
        try
        {
            while (Remaining() is var remaining && remaining > TimeSpan.Zero)
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

    /// <summary>How long until the next grant may go: the interval since the last one, or the pause, whichever ends later.</summary>
    private TimeSpan Remaining()
    {
        var now = clock.GetTimestamp();
        var untilInterval = lastGrant is { } last && interval > TimeSpan.Zero ? interval - clock.GetElapsedTime(last, now) : TimeSpan.Zero;
        var paused = Interlocked.Read(ref pausedUntil);
        var untilPause = paused > now ? TimeSpan.FromSeconds((double)(paused - now) / clock.TimestampFrequency) : TimeSpan.Zero;
        return untilInterval > untilPause ? untilInterval : untilPause;
    }
}
