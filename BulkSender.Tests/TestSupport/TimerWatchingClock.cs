using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.TestSupport;

/// <summary>
/// A fake clock that knows the timers created on it and when each armed one is due: a test advances it once a waiter is
/// waiting, and shows that the waiter waits for the right time (<see cref="ArmedAtAsync"/>) instead of giving it some
/// real time to go too early.
/// </summary>
public sealed class TimerWatchingClock : FakeTimeProvider
{
    private readonly ConcurrentDictionary<WatchedTimer, DateTimeOffset> armed = new();
    private int timers;

    public TimerWatchingClock()
    {
    }

    public TimerWatchingClock(DateTimeOffset start)
        : base(start)
    {
    }

    /// <summary>How many timers were created so far.</summary>
    public int Timers => Volatile.Read(ref timers);

    /// <summary>When the timers armed now are due, earliest first.</summary>
    public IReadOnlyList<DateTimeOffset> Armed => [.. armed.Values.Order()];

    /// <summary>
    /// Waits (in real time, up to 5 s) until a timer due at <paramref name="dueAt"/> is armed, and returns the armed due
    /// times then: a waiter that parks on the clock does so a moment after it was called.
    /// </summary>
    public Task<IReadOnlyList<DateTimeOffset>> ArmedAtAsync(DateTimeOffset dueAt) =>
        ArmedAsync(due => due.Contains(dueAt), $"a timer due at {Time(dueAt)}");

    /// <summary>Waits (in real time, up to 5 s) until a timer is armed, and returns when the earliest one is due.</summary>
    public async Task<DateTimeOffset> FirstArmedAsync() => (await ArmedAsync(due => due.Count > 0, "a timer"))[0];

    private async Task<IReadOnlyList<DateTimeOffset>> ArmedAsync(Func<IReadOnlyList<DateTimeOffset>, bool> condition, string what)
    {
        IReadOnlyList<DateTimeOffset> seen = [];
        try
        {
            await Waiting.UntilAsync(() => condition(seen = Armed), $"{what} to be armed", TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException timedOut)
        {
            var armedNow = seen.Count == 0 ? "none" : string.Join(", ", seen.Select(Time));
            throw new TimeoutException($"{timedOut.Message}; armed: {armedNow}", timedOut);
        }
        return seen;
    }

    /// <summary>Moves the clock to the earliest armed timer's due time (if it is still ahead).</summary>
    public void AdvanceToEarliestTimer()
    {
        var due = Armed[0];
        if (due > GetUtcNow())
            Advance(due - GetUtcNow());
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref timers);
        var watched = new WatchedTimer(this);
        watched.Arm(dueTime, period); // before the fake timer exists: one due at once fires while it is created
        watched.Inner = base.CreateTimer(s =>
        {
            watched.Fired();
            callback(s);
        }, state, dueTime, period);
        return watched;
    }

    private static string Time(DateTimeOffset at) => at.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private sealed class WatchedTimer(TimerWatchingClock clock) : ITimer
    {
        private TimeSpan period = Timeout.InfiniteTimeSpan;

        public ITimer Inner { get; set; } = null!;

        public void Arm(TimeSpan dueTime, TimeSpan periodTime)
        {
            period = periodTime;
            if (dueTime == Timeout.InfiniteTimeSpan)
                clock.armed.TryRemove(this, out _);
            else
                clock.armed[this] = clock.GetUtcNow() + dueTime;
        }

        public void Fired()
        {
            if (period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero)
                clock.armed.TryRemove(this, out _);
            else
                clock.armed[this] = clock.GetUtcNow() + period;
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Arm(dueTime, period);
            return Inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            clock.armed.TryRemove(this, out _);
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            clock.armed.TryRemove(this, out _);
            return Inner.DisposeAsync();
        }
    }
}
