using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Tests.Core.Dispatch;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Channels;

/// <summary>One limiter per channel, shared by every worker of the process.</summary>
[Collection(TimingCollection.Name)]
public sealed class RateLimiterTests
{
    private const int Limit = 20;

    /// <summary>The most timestamps that fall in any window [t, t + 1 s).</summary>
    internal static int BusiestSecond(IReadOnlyList<long> timestamps)
    {
        var sorted = timestamps.Order().ToList();
        var busiest = 0;
        for (int start = 0, end = 0; start < sorted.Count; start++)
        {
            while (end < sorted.Count && sorted[end] - sorted[start] < Stopwatch.Frequency)
                end++;
            busiest = Math.Max(busiest, end - start);
        }
        return busiest;
    }

    [Fact]
    public async Task Four_workers_sharing_the_limiter_never_get_more_than_the_limit_in_any_second()
    {
        var limiter = new ChannelRateLimiter(Options.Create(new ChannelsOptions { RatePerSecond = { [ChannelKind.Email] = Limit } }),
            TimeProvider.System);
        var grants = new ConcurrentBag<long>();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 15; i++)
                grants.Add(await limiter.WaitAsync(ChannelKind.Email, default));
        })));

        grants.Count.ShouldBe(60);
        BusiestSecond(grants.ToList()).ShouldBeLessThanOrEqualTo(Limit);
        var span = Stopwatch.GetElapsedTime(grants.Min(), grants.Max());
        span.TotalSeconds.ShouldBeGreaterThanOrEqualTo(59.0 / Limit);
    }

    /// <summary>
    /// The limiter's own arithmetic wastes none of the rate: with a clock that only moves when the one waiting
    /// worker's timer is due, four workers are granted back to back, each exactly one interval after the last.
    /// (On the wall clock a loaded machine wakes timers late; that costs time, never safety.)
    /// </summary>
    [Fact]
    public async Task Four_workers_waiting_together_are_granted_exactly_one_interval_apart()
    {
        var clock = new TimerWatchingClock();
        var limiter = new ChannelRateLimiter(Options.Create(new ChannelsOptions { RatePerSecond = { [ChannelKind.Email] = Limit } }), clock);
        var grants = new ConcurrentBag<long>();

        var workers = Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 15; i++)
                grants.Add(await limiter.WaitAsync(ChannelKind.Email, default));
        })));
        while (!workers.IsCompleted)
        {
            var timer = clock.NextTimerAsync();
            if (await Task.WhenAny(timer, workers).WaitAsync(TimeSpan.FromSeconds(10)) == timer)
                clock.Advance(await timer);
        }
        await workers;

        var sorted = grants.Order().ToList();
        sorted.Count.ShouldBe(60);
        sorted.Zip(sorted.Skip(1), (a, b) => clock.GetElapsedTime(a, b)).Distinct()
            .ShouldBe([TimeSpan.FromSeconds(1.0 / Limit)], "every grant comes exactly one interval after the previous one");
    }

    /// <summary>
    /// A waiter that wakes late is granted on the schedule's time, so the next one catches up (at 1,000/s a late
    /// wake-up would otherwise be rate lost for good), here by one interval (the most, at 4/s); one who comes after an idle spell
    /// starts the schedule again; and no one-second window ever holds more than the rate.
    /// </summary>
    [Fact]
    public async Task A_late_wake_up_is_caught_up_on_the_schedule_without_more_than_the_rate_in_any_second()
    {
        var clock = new TimerCountingClock();
        var limiter = new ChannelRateLimiter(Options.Create(new ChannelsOptions { RatePerSecond = { [ChannelKind.Email] = 4 } }), clock);
        var interval = TimeSpan.FromMilliseconds(250);
        var grants = new List<long> { await limiter.WaitAsync(ChannelKind.Email, default) };

        var second = limiter.WaitAsync(ChannelKind.Email, default).AsTask();
        var third = limiter.WaitAsync(ChannelKind.Email, default).AsTask();
        var timers = clock.Timers;
        clock.Advance(interval + TimeSpan.FromMilliseconds(100)); // the second's timer fires 100 ms late
        grants.Add(await second.WaitAsync(TimeSpan.FromSeconds(5)));
        clock.GetElapsedTime(grants[0], grants[1]).ShouldBe(TimeSpan.FromMilliseconds(350));
        // The third takes the gate on another thread once the second leaves it: the clock moves only once it waits.
        await SendBatchJobTests.Until(() => clock.Timers > timers, timeoutSeconds: 5);
        clock.Advance(TimeSpan.FromMilliseconds(150));
        grants.Add(await third.WaitAsync(TimeSpan.FromSeconds(5)));
        clock.GetElapsedTime(grants[0], grants[2]).ShouldBe(2 * interval, "back on the schedule");

        for (var i = 0; i < 2; i++)
        {
            var next = limiter.WaitAsync(ChannelKind.Email, default).AsTask();
            clock.Advance(interval);
            grants.Add(await next.WaitAsync(TimeSpan.FromSeconds(5)));
        }
        clock.GetElapsedTime(grants[0], grants[4]).ShouldBe(TimeSpan.FromSeconds(1));
        var sixth = limiter.WaitAsync(ChannelKind.Email, default).AsTask();
        clock.Advance(interval);
        await Task.Delay(50);
        sixth.IsCompleted.ShouldBeFalse("the schedule says 1,250 ms, but the second from 350 ms already holds 350, 500, 750 and 1,000");
        clock.Advance(TimeSpan.FromMilliseconds(100));
        grants.Add(await sixth.WaitAsync(TimeSpan.FromSeconds(5)));
        clock.GetElapsedTime(grants[1], grants[5]).ShouldBe(TimeSpan.FromSeconds(1));
        grants.Zip(grants.Skip(4), (a, b) => clock.GetElapsedTime(a, b)).ShouldAllBe(span => span >= TimeSpan.FromSeconds(1),
            "every five grants span at least a second: no window of one second holds more than four");

        clock.Advance(TimeSpan.FromSeconds(10));
        var afterIdle = clock.GetTimestamp();
        (await limiter.WaitAsync(ChannelKind.Email, default)).ShouldBe(afterIdle, "after an idle spell the first goes at once");
        var following = limiter.WaitAsync(ChannelKind.Email, default).AsTask();
        clock.Advance(interval - TimeSpan.FromMilliseconds(1));
        await Task.Delay(50);
        following.IsCompleted.ShouldBeFalse("and the next one interval later: an idle spell is no credit");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await following.WaitAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>A fake clock that tells the test when someone starts waiting on it, and for how long.</summary>
    private sealed class TimerWatchingClock : TimeProvider
    {
        private readonly FakeTimeProvider inner = new();
        private readonly Channel<TimeSpan> timers = Channel.CreateUnbounded<TimeSpan>();

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();
        public override long GetTimestamp() => inner.GetTimestamp();
        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = inner.CreateTimer(callback, state, dueTime, period);
            timers.Writer.TryWrite(dueTime);
            return timer;
        }

        public Task<TimeSpan> NextTimerAsync() => timers.Reader.ReadAsync().AsTask();

        public void Advance(TimeSpan by) => inner.Advance(by);
    }

    /// <summary>
    /// The pipeline's part: four batch jobs of one message share the channel's one limiter, so together they take as
    /// long as the limit demands, and each recipient reaches the provider once. (The no-burst guarantee itself is the
    /// limiter's, checked on its grants above: the provider's arrival times add whatever time the OS takes to run
    /// each worker after its grant, which on a loaded machine can put 21 arrivals in one second behind 20 grants.)
    /// </summary>
    [Fact]
    public async Task Four_workers_sending_batches_of_one_message_together_keep_the_channel_limit()
    {
        await using var host = await CoreHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Dispatch:BatchSize"] = "15",
            ["Channels:RatePerSecond:Email"] = Limit.ToString(CultureInfo.InvariantCulture),
        });
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 60)));

        await host.RunEnqueuedAsync(workers: 4);

        var sends = host.Provider.ForMessage(messageId);
        sends.Count.ShouldBe(60);
        sends.Select(s => s.DeliveryId).Distinct().Count().ShouldBe(60);
        (await host.BatchesAsync(messageId)).Select(b => b.StartedAt).Distinct().Count().ShouldBe(4);
        var timestamps = sends.Select(s => s.Timestamp).ToList();
        Stopwatch.GetElapsedTime(timestamps.Min(), timestamps.Max()).TotalSeconds
            .ShouldBeGreaterThanOrEqualTo(59.0 / Limit * 0.99, "four workers with a limiter each would take a quarter of this");
    }

    [Fact]
    public async Task Grants_are_spaced_exactly_one_interval_apart_and_a_limit_of_0_means_no_limit()
    {
        var clock = new FakeTimeProvider();
        var limiter = new ChannelRateLimiter(Options.Create(new ChannelsOptions
        {
            RatePerSecond = { [ChannelKind.WhatsApp] = 10, [ChannelKind.Email] = 0 },
        }), clock);

        var first = await limiter.WaitAsync(ChannelKind.WhatsApp, default);
        var second = limiter.WaitAsync(ChannelKind.WhatsApp, default).AsTask();
        await Task.Delay(50);
        second.IsCompleted.ShouldBeFalse("the second message waits for its turn");
        clock.Advance(TimeSpan.FromMilliseconds(99));
        await Task.Delay(50);
        second.IsCompleted.ShouldBeFalse();
        clock.Advance(TimeSpan.FromMilliseconds(1));

        (clock.GetElapsedTime(first, await second.WaitAsync(TimeSpan.FromSeconds(5)))).ShouldBe(TimeSpan.FromMilliseconds(100));
        for (var i = 0; i < 1000; i++)
            (await limiter.WaitAsync(ChannelKind.Email, default).AsTask().WaitAsync(TimeSpan.FromSeconds(5))).ShouldBe(clock.GetTimestamp());
        new ChannelsOptions().RateFor(ChannelKind.Messenger).ShouldBe(10, "the default limit is 10 messages a second");
    }

    /// <summary>A fake clock that counts the timers created on it: a test advances it once a waiter is waiting.</summary>
    private sealed class TimerCountingClock : FakeTimeProvider
    {
        private int timers;

        public int Timers => Volatile.Read(ref timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref timers);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
