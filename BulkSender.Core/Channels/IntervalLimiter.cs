using System.Diagnostics.CodeAnalysis;

namespace BulkSender.Core.Channels;

/// <summary>
/// Lets callers through one at a time, on a schedule 1/rate apart (FIFO). Unlike a token bucket
/// (System.Threading.RateLimiting) it allows no burst: besides the schedule, a grant never comes less than one second
/// after the grant ceil(rate) before it, so no one-second window ever holds more than ceil(rate) grants.
/// A rate of 0 means no limit. <see cref="PauseFor"/> holds everyone back for a while (a provider's "slow down");
/// <see cref="SetRate"/> changes the rate for the next grants.
/// </summary>
/// <remarks>
/// A caller that was already waiting when its slot came, but woke late (a busy machine), is granted on the schedule's
/// time, not one interval after its late grant: at 1,000/s a grant is due every millisecond, below what a loaded
/// machine's timers and scheduler keep, so each late wake-up would otherwise be rate lost for good. The schedule
/// may fall behind the clock by at most <see cref="CatchUp"/> (or one interval, when that is longer): after a stall,
/// at most that much of the rate goes back to back, and the one-second window above still holds. A caller that
/// comes when nobody waited starts the schedule again at its arrival; after a pause it starts at the pause's end.
/// </remarks>
[SuppressMessage("Design", "CA1001", Justification = "The semaphore is only awaited and released, which allocates no wait "
    + "handle, so disposing it frees nothing; the rate limiter keeps its limiters for the life of the process.")]
public sealed class IntervalLimiter(double perSecond, TimeProvider clock)
{
    /// <summary>Timers on Linux tick every 4 ms; the last stretch of a wait is slept precisely instead.</summary>
    private static readonly TimeSpan TimerGranularity = TimeSpan.FromMilliseconds(5);

    /// <summary>How far the schedule may fall behind the clock and be caught up (one interval, when that is longer).</summary>
    public static readonly TimeSpan CatchUp = TimeSpan.FromMilliseconds(25);

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Queue<long> lastSecond = new();
    private long intervalTicks = IntervalTicks(perSecond);
    private double rate = perSecond;
    private long? scheduled;
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
        var arrived = clock.GetTimestamp();
        if (Interval == TimeSpan.Zero && Interlocked.Read(ref pausedUntil) <= arrived)
            return arrived;
        await gate.WaitAsync(cancellationToken);
        try
        {
            long due;
            while (Remaining(arrived, out due) is var remaining && remaining > TimeSpan.Zero)
            {
                if (remaining > TimerGranularity)
                    await Task.Delay(remaining - TimerGranularity, clock, cancellationToken);
                else if (clock == TimeProvider.System)
                    Thread.Sleep(remaining);
                else
                    await Task.Delay(remaining, clock, cancellationToken);
            }
            var granted = clock.GetTimestamp();
            scheduled = due;
            lastSecond.Enqueue(granted);
            while (lastSecond.Count > Math.Max(1, (int)Math.Ceiling(PerSecond)))
                lastSecond.Dequeue();
            return granted;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// How long until the next grant may go, and its time on the schedule: one interval after the previous one's (at
    /// most <see cref="CatchUp"/> in the past), or the caller's arrival when it came later; not within a second
    /// of the grant ceil(rate) before; not before the pause ends.
    /// </summary>
    private TimeSpan Remaining(long arrived, out long due)
    {
        var now = clock.GetTimestamp();
        var interval = (long)Math.Round(Interlocked.Read(ref intervalTicks) * (double)clock.TimestampFrequency / TimeSpan.TicksPerSecond);
        due = now;
        if (interval > 0)
        {
            var next = scheduled is { } last ? last + interval : arrived;
            due = arrived > next ? arrived : Math.Max(next, now - Math.Max(interval, (long)(CatchUp.TotalSeconds * clock.TimestampFrequency)));
            if (lastSecond.Count >= Math.Max(1, (int)Math.Ceiling(PerSecond)))
                due = Math.Max(due, lastSecond.Peek() + clock.TimestampFrequency);
        }
        due = Math.Max(due, Interlocked.Read(ref pausedUntil));
        return due > now ? TimeSpan.FromSeconds((double)(due - now) / clock.TimestampFrequency) : TimeSpan.Zero;
    }
}
