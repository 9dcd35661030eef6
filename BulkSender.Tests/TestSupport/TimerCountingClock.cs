using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.TestSupport;

/// <summary>A fake clock that counts the timers created on it: a test advances it once a waiter is waiting.</summary>
public sealed class TimerCountingClock : FakeTimeProvider
{
    private int timers;

    public int Timers => Volatile.Read(ref timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref timers);
        return base.CreateTimer(callback, state, dueTime, period);
    }
}
