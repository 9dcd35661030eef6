using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Channels.RateLimits;
using BulkSender.Core.Dispatch;
using BulkSender.Tests.Core.Dispatch;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace BulkSender.Tests.Core.Channels;

/// <summary>One limit per channel, shared by every worker of the process and by every instance on the database.</summary>
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

    /// <summary>Two limiters on one database: the two app instances of a cluster.</summary>
    private static (ChannelRateLimiter, ChannelRateLimiter) TwoInstances(TestDatabase database, TimeProvider clock, double rate)
    {
        var options = Options.Create(new ChannelsOptions { RatePerSecond = { [ChannelKind.Email] = rate } });
        return (new ChannelRateLimiter(options, clock, new RateLimitSlots(database, clock)),
            new ChannelRateLimiter(options, clock, new RateLimitSlots(database, clock)));
    }

    internal static ChannelRateLimiter Limiter(TestDatabase database, TimeProvider clock, ChannelsOptions options,
        ILogger<ChannelRateLimiter>? log = null) =>
        new(Options.Create(options), clock, new RateLimitSlots(database, clock), log: log);

    /// <summary>The channels' pauses in <paramref name="database"/>, for <see cref="ProviderCallSlots"/>.</summary>
    internal static ChannelPauses Pauses(TestDatabase database, TimeProvider clock) =>
        new(database, clock, NullLogger<ChannelPauses>.Instance);

    [Fact]
    public void The_slots_leave_room_for_late_wake_ups_and_jitter_so_no_second_at_the_provider_holds_more_than_the_limit()
    {
        var interval = SlotPlan.IntervalTicks(Limit);
        var (slots, next) = SlotPlan.Plan(next: 0, pausedUntil: 0, now: 1_000_000, count: 200, interval);

        slots[0].ShouldBe(1_000_000, "an idle account starts now");
        next.ShouldBe(slots[^1] + interval);
        var margin = SlotPlan.Lateness + SlotPlan.Jitter;
        margin.ShouldBe(TimeSpan.FromMilliseconds(30));
        // Each slot shifted by anything within the margin: the worst case is the early ones late and the late ones early.
        for (var i = 0; i + Limit < slots.Length; i++)
            TimeSpan.FromTicks(slots[i + Limit] - slots[i]).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1) + margin,
                "limit + 1 slots span a second plus the margin: shifted within it they still span a second, [t, t + 1 s) holds the limit");
        var rate = (slots.Length - 1) * (double)TimeSpan.TicksPerSecond / (slots[^1] - slots[0]);
        (rate / Limit).ShouldBeInRange(0.97, 0.971, "the margin costs 3% of the nominal rate");
    }

    [Fact]
    [Trait("Database", "Both")]
    public async Task Two_instances_on_one_database_share_the_limit_and_together_reach_it()
    {
        await using var database = await TestDatabase.CreateAsync();
        const int rate = 40;
        var (first, second) = TwoInstances(database, TimeProvider.System, rate);
        var grants = new ConcurrentBag<long>();

        await Task.WhenAll(new[] { first, second }.SelectMany(limiter => Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
                grants.Add(await limiter.WaitAsync(ChannelKind.Email, default));
        }))));

        grants.Count.ShouldBe(240);
        BusiestSecond(grants.ToList()).ShouldBeLessThanOrEqualTo(rate, "the two share one limit");
        var span = Stopwatch.GetElapsedTime(grants.Min(), grants.Max());
        var reached = (grants.Count - 1) / span.TotalSeconds / rate;
        reached.ShouldBeGreaterThanOrEqualTo(0.95, $"and waste next to none of it (reached {reached:F3} of the limit)");
    }

    /// <summary>
    /// The limiter's own arithmetic wastes none of the slots: with a clock that moves only when every worker waits for
    /// its slot, and then to the earliest one, four workers waiting together are granted back to back, each on its
    /// slot, across several reservations. (On the wall clock a loaded machine wakes timers late; that costs time, never
    /// safety.)
    /// </summary>
    [Fact]
    public async Task Four_workers_waiting_together_are_granted_on_consecutive_slots()
    {
        await using var database = await TestDatabase.CreateAsync();
        var clock = new TimerWatchingClock();
        var limiter = Limiter(database, clock, new ChannelsOptions { RatePerSecond = { [ChannelKind.Email] = Limit } });
        var grants = new ConcurrentBag<long>();
        var running = 4;

        var workers = Task.WhenAll(Enumerable.Range(0, running).Select(_ => Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < 15; i++)
                    grants.Add(await limiter.WaitAsync(ChannelKind.Email, default));
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        })));
        while (true)
        {
            await SendBatchJobTests.Until(() => workers.IsCompleted || clock.Armed.Count >= Volatile.Read(ref running), timeoutSeconds: 10);
            if (workers.IsCompleted)
                break;
            clock.AdvanceToEarliestTimer();
        }
        await workers;

        var sorted = grants.Order().ToList();
        sorted.Count.ShouldBe(60);
        var interval = TimeSpan.FromTicks(SlotPlan.IntervalTicks(Limit));
        sorted.Select((grant, k) => clock.GetElapsedTime(sorted[0], grant) - (k * interval)).ShouldAllBe(
            late => late >= TimeSpan.Zero && late < TimeSpan.FromMilliseconds(1),
            "the k-th grant comes at the k-th slot (a timer's whole millisecond after it at most), across several reservations");
    }

    /// <summary>
    /// A waiter that wakes late still goes (within its slot's lateness the next keeps the schedule); a reserved slot
    /// that passed while nobody could take it is dropped as unused, not caught up in a burst; one who comes after an idle
    /// spell goes at once, and the next one slot later: an idle spell is no credit; a waiter that wakes later than its
    /// slot's lateness drops it as late and takes the next. Each dropped slot is logged at Debug level with its time.
    /// </summary>
    [Fact]
    public async Task A_late_wake_up_keeps_the_schedule_a_passed_slot_is_dropped_and_idle_time_is_no_credit()
    {
        await using var database = await TestDatabase.CreateAsync();
        var clock = new TimerWatchingClock();
        // At 51.5 a second the slots are 20 ms apart (a fake clock's timers count whole milliseconds), reserved one
        // first, then in blocks of three (50 ms) when the next waiter comes, the block after that when one is left.
        var log = new FakeLogger<ChannelRateLimiter>();
        var limiter = Limiter(database, clock, new ChannelsOptions { RatePerSecond = { [ChannelKind.Email] = 51.5 } }, log);
        var interval = TimeSpan.FromTicks(SlotPlan.IntervalTicks(51.5));
        interval.ShouldBe(TimeSpan.FromMilliseconds(20));
        var start = clock.GetUtcNow().UtcTicks;
        using var dropped = new DroppedSlotsListener(ChannelKind.Email, "unused");
        using var wokeLate = new DroppedSlotsListener(ChannelKind.Email, "late");
        var grants = new List<long> { await limiter.WaitAsync(ChannelKind.Email, default) };

        // The next block is reserved in the background: the clock moves only once it is (else it would start later).
        async Task ReservedUpToAsync(int slots) => await SendBatchJobTests.Until(() =>
        {
            using var db = database.CreateDbContext();
            return db.RateLimitAccounts.Single(a => a.Channel == ChannelKind.Email).NextSlotAt == start + (slots * interval.Ticks);
        }, timeoutSeconds: 5);

        async Task<long> GrantAfterAsync(TimeSpan advance, int reservedUpTo)
        {
            var timers = clock.Timers;
            var waiting = limiter.WaitAsync(ChannelKind.Email, default).AsTask();
            await SendBatchJobTests.Until(() => clock.Timers > timers, timeoutSeconds: 5);
            await ReservedUpToAsync(reservedUpTo);
            clock.Advance(advance);
            return await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        }

        // The first call goes alone (InFlightLimiter): no block is reserved meanwhile, to pass unused.
        limiter.Reserving(ChannelKind.Email).ShouldBeFalse("no reservation started with the first grant");
        await using (var db = database.CreateDbContext())
            (await db.RateLimitAccounts.SingleAsync(a => a.Channel == ChannelKind.Email)).NextSlotAt
                .ShouldBe(start + interval.Ticks, "one slot reserved, the first call's");
        grants.Add(await GrantAfterAsync(interval + TimeSpan.FromMilliseconds(5), reservedUpTo: 4)); // woke 5 ms late
        clock.GetElapsedTime(grants[0], grants[1]).ShouldBe(interval + TimeSpan.FromMilliseconds(5));
        grants.Add(await GrantAfterAsync(interval - TimeSpan.FromMilliseconds(5), reservedUpTo: 7));
        clock.GetElapsedTime(grants[0], grants[2]).ShouldBe(2 * interval, "back on the schedule");

        clock.Advance(interval + SlotPlan.Lateness + TimeSpan.FromMilliseconds(1)); // the fourth slot passes unused
        grants.Add(await GrantAfterAsync(interval - SlotPlan.Lateness - TimeSpan.FromMilliseconds(1), reservedUpTo: 7));
        clock.GetElapsedTime(grants[0], grants[3]).ShouldBe(4 * interval, "the passed slot was dropped: this one took the next");
        dropped.Count.ShouldBe(1, "and counted");

        clock.Advance(TimeSpan.FromSeconds(10));
        var afterIdle = clock.GetTimestamp();
        (await limiter.WaitAsync(ChannelKind.Email, default).AsTask().WaitAsync(TimeSpan.FromSeconds(5)))
            .ShouldBe(afterIdle, "after an idle spell the first goes at once");
        dropped.Count.ShouldBe(3, "the block's two slots that passed in the idle spell are counted too");
        var following = limiter.WaitAsync(ChannelKind.Email, default).AsTask();
        (await clock.ArmedAtAsync(clock.GetUtcNow() + interval)).ShouldHaveSingleItem("and the next one waits for one slot later");
        clock.Advance(interval - TimeSpan.FromMilliseconds(1));
        following.IsCompleted.ShouldBeFalse();
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var followed = await following.WaitAsync(TimeSpan.FromSeconds(5));
        wokeLate.Count.ShouldBe(0, "no waiter woke later than its slot's lateness so far");

        // A waiter whose timer fires after its slot's lateness (a busy machine): that slot is dropped as late, and the
        // waiter takes the next one, on the schedule, not at once.
        var timersNow = clock.Timers;
        var sleepy = limiter.WaitAsync(ChannelKind.Email, default).AsTask();
        await SendBatchJobTests.Until(() => clock.Timers > timersNow, timeoutSeconds: 5);
        timersNow = clock.Timers;
        clock.Advance(interval + SlotPlan.Lateness + TimeSpan.FromMilliseconds(1));
        await SendBatchJobTests.Until(() => clock.Timers > timersNow, timeoutSeconds: 5); // waiting for the next slot now
        wokeLate.Count.ShouldBe(1, "its slot was dropped as late");
        sleepy.IsCompleted.ShouldBeFalse("a late waiter does not go at once");
        clock.Advance(interval - SlotPlan.Lateness - TimeSpan.FromMilliseconds(1));
        clock.GetElapsedTime(followed, await sleepy.WaitAsync(TimeSpan.FromSeconds(5))).ShouldBe(2 * interval, "it took the next slot");
        dropped.Count.ShouldBe(3, "and nothing else passed unused");

        var logged = log.Collector.GetSnapshot();
        logged.ShouldAllBe(r => r.Level == LogLevel.Debug);
        logged.Select(r => r.StructuredState!.Single(p => p.Key == "Reason").Value).ShouldBe(["unused", "unused", "unused", "late"],
            ignoreOrder: false, customMessage: "each dropped slot logged with its reason");
        var fourth = new DateTime(start + (3 * interval.Ticks), DateTimeKind.Utc);
        var found = fourth + SlotPlan.Lateness + TimeSpan.FromMilliseconds(1);
        logged[0].Message.ShouldBe($"Rate-limit slot {fourth:O} of Email dropped (unused) at {found:O}",
            "and its time: the fourth slot passed first, found by the waiter that came just after its lateness");
    }

    /// <summary>
    /// The lateness rule once more just before the call leaves (<see cref="ProviderCallSlots"/>): a call whose slot is
    /// still within its lateness goes in it; one whose slot passed on the way to the adapter (a busy machine) drops it as
    /// late and waits for the next slot, on the schedule; one that a back-off began over since its grant waits it out.
    /// </summary>
    [Fact]
    public async Task A_call_whose_slot_passed_on_its_way_takes_the_next_slot_and_one_a_back_off_covers_waits_it_out()
    {
        await using var database = await TestDatabase.CreateAsync();
        var clock = new TimerWatchingClock();
        var limiter = Limiter(database, clock, new ChannelsOptions { RatePerSecond = { [ChannelKind.Email] = 51.5 } });
        var interval = TimeSpan.FromTicks(SlotPlan.IntervalTicks(51.5)); // 20 ms
        var pauses = Pauses(database, clock);
        var start = clock.GetUtcNow();
        using var late = new DroppedSlotsListener(ChannelKind.Email, "late");
        using var paused = new DroppedSlotsListener(ChannelKind.Email, "paused");

        async Task<T> WaitingAsync<T>(Func<T> wait) where T : Task
        {
            var timers = clock.Timers;
            var waiting = wait();
            await SendBatchJobTests.Until(() => clock.Timers > timers, timeoutSeconds: 5);
            waiting.IsCompleted.ShouldBeFalse("it waits for a slot on the clock");
            return waiting;
        }

        var first = await limiter.TakeAsync(ChannelKind.Email, default);
        clock.Advance(SlotPlan.Lateness);
        var firstCall = new ProviderCallSlots(limiter, first, pauses).BeforeCallAsync(default).AsTask();
        firstCall.IsCompletedSuccessfully.ShouldBeTrue("its slot passed no more than the lateness ago: the call goes in it");
        await firstCall;

        var secondTaken = await WaitingAsync(() => limiter.TakeAsync(ChannelKind.Email, default).AsTask());
        clock.Advance(interval - SlotPlan.Lateness);
        var second = await secondTaken.WaitAsync(TimeSpan.FromSeconds(5));
        second.At.ShouldBe((start + interval).UtcTicks);
        clock.Advance(SlotPlan.Lateness + TimeSpan.FromMilliseconds(1)); // the way to the adapter took longer than that
        var secondCall = await WaitingAsync(() => new ProviderCallSlots(limiter, second, pauses).BeforeCallAsync(default).AsTask());
        late.Count.ShouldBe(1, "its slot is dropped as late");
        clock.Advance(interval - SlotPlan.Lateness - TimeSpan.FromMilliseconds(1));
        await secondCall.WaitAsync(TimeSpan.FromSeconds(5));
        (clock.GetUtcNow() - start).ShouldBe(2 * interval, "it went in the next slot");

        var thirdTaken = await WaitingAsync(() => limiter.TakeAsync(ChannelKind.Email, default).AsTask());
        clock.Advance(interval);
        var third = await thirdTaken.WaitAsync(TimeSpan.FromSeconds(5));
        var backOff = TimeSpan.FromSeconds(1);
        await limiter.BackOffAsync(ChannelKind.Email, backOff, clock.GetUtcNow(), default); // another call's "too many"
        var resumesAt = clock.GetUtcNow() + backOff;
        var thirdCall = await WaitingAsync(() => new ProviderCallSlots(limiter, third, pauses).BeforeCallAsync(default).AsTask());
        paused.Count.ShouldBeGreaterThanOrEqualTo(1, "its slot, inside the back-off, is dropped");
        clock.Advance(backOff - TimeSpan.FromMilliseconds(1));
        thirdCall.IsCompleted.ShouldBeFalse("nothing goes inside the back-off");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await thirdCall.WaitAsync(TimeSpan.FromSeconds(5));
        clock.GetUtcNow().ShouldBe(resumesAt, "the call goes when the back-off ends");
        late.Count.ShouldBe(1);
    }

    /// <summary>
    /// The pipeline's part: four batch jobs of one message share the channel's one limiter, so together they take as
    /// long as the limit demands, each recipient reaches the provider once, and no second at the provider (here the
    /// simulated channel's log) holds more than the limit: the slots' margin absorbs the time the OS takes to run each
    /// worker after its grant. The four run at once but hand over two at a time (<see cref="HandOverTurns"/>).
    /// </summary>
    [Fact]
    public async Task Four_workers_sending_batches_of_one_message_together_keep_the_channel_limit_and_hand_over_in_turns()
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
        // Four runs (one claimer each), all at once: every batch started before any ended. (Their start times were
        // compared before, and two runs may claim within one tick of the clock.)
        var batches = await host.BatchesAsync(messageId);
        batches.ShouldAllBe(b => b.Status == BatchStatus.Completed && b.StartedAt != null && b.CompletedAt != null);
        batches.Select(b => b.ClaimedBy).Distinct().Count().ShouldBe(4);
        batches.Max(b => b.StartedAt!.Value).ShouldBeLessThan(batches.Min(b => b.CompletedAt!.Value));
        var timestamps = sends.Select(s => s.Timestamp).ToList();
        Stopwatch.GetElapsedTime(timestamps.Min(), timestamps.Max()).TotalSeconds
            .ShouldBeGreaterThanOrEqualTo(59.0 / Limit * 0.99, "four workers with a limiter each would take a quarter of this");
        BusiestSecond(timestamps).ShouldBeLessThanOrEqualTo(Limit);

        // In turns: while two batches hand over, the other two wait; the third starts after one of the first two ended.
        var batchOf = (await host.DeliveriesAsync(messageId)).ToDictionary(d => d.Id, d => d.BatchId);
        var handOvers = sends.GroupBy(s => batchOf[s.DeliveryId])
            .Select(g => (First: g.Min(s => s.Timestamp), Last: g.Max(s => s.Timestamp))).OrderBy(w => w.First).ToList();
        handOvers.Count.ShouldBe(4);
        timestamps.Max(t => handOvers.Count(w => w.First <= t && t <= w.Last)).ShouldBe(2, "two batches hand over at once");
        handOvers[2].First.ShouldBeGreaterThan(Math.Min(handOvers[0].Last, handOvers[1].Last));
    }

    [Fact]
    public async Task Grants_are_spaced_one_slot_apart_and_a_limit_of_0_means_no_limit()
    {
        await using var database = await TestDatabase.CreateAsync();
        var clock = new TimerWatchingClock();
        var limiter = Limiter(database, clock, new ChannelsOptions { RatePerSecond = { [ChannelKind.WhatsApp] = 10, [ChannelKind.Email] = 0 } });

        var first = await limiter.WaitAsync(ChannelKind.WhatsApp, default);
        var second = limiter.WaitAsync(ChannelKind.WhatsApp, default).AsTask();
        (await clock.ArmedAtAsync(clock.GetUtcNow() + TimeSpan.FromMilliseconds(103)))
            .ShouldHaveSingleItem("the second message waits for its turn, (1 s + 30 ms) / 10 later");
        clock.Advance(TimeSpan.FromMilliseconds(102));
        second.IsCompleted.ShouldBeFalse();
        clock.Advance(TimeSpan.FromMilliseconds(1));

        clock.GetElapsedTime(first, await second.WaitAsync(TimeSpan.FromSeconds(5))).ShouldBe(TimeSpan.FromMilliseconds(103),
            "(1 s + 30 ms) / 10");
        for (var i = 0; i < 1000; i++)
            (await limiter.WaitAsync(ChannelKind.Email, default).AsTask().WaitAsync(TimeSpan.FromSeconds(5))).ShouldBe(clock.GetTimestamp());
        new ChannelsOptions().RateFor(ChannelKind.Messenger).ShouldBe(10, "the default limit is 10 messages a second");
    }
}
