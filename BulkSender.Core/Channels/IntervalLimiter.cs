using System.Diagnostics.CodeAnalysis;

namespace BulkSender.Core.Channels;

/// <summary>
/// Lets callers through one at a time, each at least 1/rate after the previous one (FIFO). Unlike a token bucket
/// (System.Threading.RateLimiting) it allows no burst, so no one-second window ever holds more grants than the rate.
/// A rate of 0 means no limit. <see cref="PauseFor"/> holds everyone back for a while (a provider's "slow down");
/// <see cref="SetRate"/> changes the rate for the next grants.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The semaphore is only awaited and released, which allocates no wait "
    + "handle, so disposing it frees nothing; the rate limiter keeps its limiters for the life of the process.")]
public sealed class IntervalLimiter(double perSecond, TimeProvider clock)
{
    /// <summary>Timers on Linux tick every 4 ms; the last stretch of a wait is slept precisely instead.</summary>
    private static readonly TimeSpan TimerGranularity = TimeSpan.FromMilliseconds(5);

    private readonly SemaphoreSlim gate = new(1, 1);
    private long intervalTicks = IntervalTicks(perSecond);
    private double rate = perSecond;
    private long? lastGrant;
    private long pausedUntil = long.MinValue;

    public double PerSecond => Volatile.Read(ref rate);

    private TimeSpan Interval => TimeSpan.FromTicks(Interlocked.Read(ref intervalTicks));

    public void SetRate(double perSecond)
    {
        Volatile.Write(ref rate, perSecond);
        Interlocked.Exchange(ref intervalTicks, IntervalTicks(perSecond));
    }

    private static long IntervalTicks(double perSecond) => perSecond > 0 ? (long)Math.Ceiling(TimeSpan.TicksPerSecond / perSecond) : 0;

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
        if (Interval == TimeSpan.Zero && Remaining() <= TimeSpan.Zero)
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
        var interval = Interval;
        var untilInterval = lastGrant is { } last && interval > TimeSpan.Zero ? interval - clock.GetElapsedTime(last, now) : TimeSpan.Zero;
        var paused = Interlocked.Read(ref pausedUntil);
        var untilPause = paused > now ? TimeSpan.FromSeconds((double)(paused - now) / clock.TimestampFrequency) : TimeSpan.Zero;
        return untilInterval > untilPause ? untilInterval : untilPause;
    }
}
