using BulkSender.Core.Channels;
using BulkSender.Core.Channels.RateLimits;
using BulkSender.Core.Retries;
using BulkSender.Tests.Core.Channels;
using BulkSender.Tests.TestSupport;

namespace BulkSender.Tests.Core.Retries;

[Trait("Database", "Both")]
public sealed class RateLimitBackOffTests : IAsyncLifetime
{
    private readonly TimerWatchingClock clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await database.DisposeAsync();

    private ChannelRateLimiter Limiter(double rate = 0) =>
        RateLimiterTests.Limiter(database, clock, new ChannelsOptions { RatePerSecond = { [ChannelKind.Messenger] = rate } });

    private BackingOffChannel Answering(ChannelRateLimiter limiter, ChannelResult result) =>
        new(new AnsweringChannel(result), ChannelKind.Messenger, limiter, clock);

    private static ChannelResult TooMany(TimeSpan? retryAfter = null) =>
        ChannelResult.Failed(ErrorType.RateLimit, "613", "Calls exceeded") with { RetryAfter = retryAfter };

    [Fact]
    public async Task A_rate_limit_reply_pauses_the_channel_for_the_providers_retry_after()
    {
        var limiter = Limiter();
        await Answering(limiter, TooMany(TimeSpan.FromSeconds(30))).SendAsync(Message(), CancellationToken.None);
        var next = limiter.WaitAsync(ChannelKind.Messenger, CancellationToken.None).AsTask();

        (await clock.ArmedAtAsync(clock.GetUtcNow() + TimeSpan.FromSeconds(30)))
            .ShouldHaveSingleItem("nothing goes to the provider before its Retry-After has passed");
        clock.Advance(TimeSpan.FromSeconds(29));
        next.IsCompleted.ShouldBeFalse();
        clock.Advance(TimeSpan.FromSeconds(1));
        await next.WaitAsync(TimeSpan.FromSeconds(5));
        await limiter.WaitAsync(ChannelKind.Email, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)); // not paused
    }

    [Fact]
    public async Task Without_a_retry_after_the_pause_is_the_default_and_other_errors_do_not_pause()
    {
        var limiter = Limiter();
        await Answering(limiter, ChannelResult.Failed(ErrorType.Network, "ETIMEDOUT", "timeout")).SendAsync(Message(), CancellationToken.None);
        await limiter.WaitAsync(ChannelKind.Messenger, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)); // the clock stands still

        await Answering(limiter, TooMany()).SendAsync(Message(), CancellationToken.None);
        var next = limiter.WaitAsync(ChannelKind.Messenger, CancellationToken.None).AsTask();
        (await clock.ArmedAtAsync(clock.GetUtcNow() + ChannelRateLimiter.DefaultBackOff)).ShouldHaveSingleItem("the default pause");
        clock.Advance(ChannelRateLimiter.DefaultBackOff - TimeSpan.FromMilliseconds(10));
        next.IsCompleted.ShouldBeFalse();
        clock.Advance(TimeSpan.FromMilliseconds(10));
        await next.WaitAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// Measured before: each of 19 replies to one burst paused the channel 5 s more (95 s of a 176 s send). Now the
    /// replies to requests that left before the pause began, or during it, extend nothing; the pause reaches the other
    /// instance at its next reservation; and sending resumes at a quarter of the rate, rising to the full rate.
    /// </summary>
    [Fact]
    public async Task Replies_inside_one_pause_extend_nothing_the_other_instance_pauses_too_and_sending_resumes_gradually()
    {
        const double rate = 20;
        var (one, other) = (Limiter(rate), Limiter(rate));
        var sentAt = clock.GetUtcNow();
        await one.WaitAsync(ChannelKind.Messenger, CancellationToken.None);
        await one.BackOffAsync(ChannelKind.Messenger, null, sentAt, CancellationToken.None);
        var pauseEnds = clock.GetUtcNow() + ChannelRateLimiter.DefaultBackOff;
        for (var i = 0; i < 18; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await one.BackOffAsync(ChannelKind.Messenger, TimeSpan.FromSeconds(60), sentAt, CancellationToken.None);
            await other.BackOffAsync(ChannelKind.Messenger, null, sentAt + TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }

        var grants = new List<DateTimeOffset>();
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < 30; i++)
            {
                await other.WaitAsync(ChannelKind.Messenger, CancellationToken.None);
                lock (grants)
                    grants.Add(clock.GetUtcNow());
            }
        });
        (await clock.FirstArmedAsync()).ShouldBeInRange(pauseEnds, pauseEnds + TimeSpan.FromMilliseconds(3),
            "the other instance learnt of the pause from the database");
        clock.Advance(pauseEnds - clock.GetUtcNow() - TimeSpan.FromMilliseconds(10));
        lock (grants)
            grants.ShouldBeEmpty();
        while (!sending.IsCompleted && clock.GetUtcNow() < pauseEnds + SlotPlan.RampUp)
        {
            await Task.Delay(1);
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        await sending.WaitAsync(TimeSpan.FromSeconds(5));

        grants[0].ShouldBeInRange(pauseEnds, pauseEnds + TimeSpan.FromMilliseconds(3),
            "the other instance waits out the one pause, which 36 more replies did not extend");
        var gaps = grants.Zip(grants.Skip(1), (a, b) => b - a).ToList();
        var full = TimeSpan.FromTicks(SlotPlan.IntervalTicks(rate));
        gaps[0].ShouldBeGreaterThanOrEqualTo(full * 3.8, "the first slots after a pause come at a quarter of the rate");
        gaps[^1].ShouldBeLessThan(gaps[0] * 0.6, "and the rate rises from there");
        gaps.ShouldAllBe(g => g >= full - TimeSpan.FromMilliseconds(3), "never above the full rate");

        var later = clock.GetUtcNow();
        await other.BackOffAsync(ChannelKind.Messenger, null, later, CancellationToken.None);
        var afterSecondPause = one.WaitAsync(ChannelKind.Messenger, CancellationToken.None).AsTask();
        (await clock.ArmedAtAsync(later + ChannelRateLimiter.DefaultBackOff))
            .ShouldHaveSingleItem("a reply to a request sent after the pause ended starts a new one, for every instance");
        clock.Advance(ChannelRateLimiter.DefaultBackOff - TimeSpan.FromMilliseconds(100));
        afterSecondPause.IsCompleted.ShouldBeFalse();
        clock.Advance(TimeSpan.FromMilliseconds(100));
        await afterSecondPause.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void The_simulated_channel_produces_all_six_error_types_with_provider_codes()
    {
        var rates = Enum.GetValues<ErrorType>().ToDictionary(t => t, _ => 1.0 / 6);
        var seen = Enumerable.Range(0, 600).Select(i => SimulatedChannel.Outcome(rates, i / 600.0)).Where(t => t is not null).Distinct().ToList();
        seen.Count.ShouldBe(6);
    }

    private static OutgoingMessage Message() => new(1, 1, ChannelKind.Messenger, "123456", "Ana", 1, "Title", "Text", null);

    private sealed class AnsweringChannel(ChannelResult result) : IChannel
    {
        public Task<ChannelResult> SendAsync(OutgoingMessage message, CancellationToken cancellationToken) => Task.FromResult(result);
    }
}
