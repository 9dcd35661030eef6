using BulkSender.Core.Channels;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Channels;

/// <summary>The channel-wide in-flight target: rate × observed latency × 1.2 + 1, capped by the channel's maximum.</summary>
public sealed class InFlightLimiterTests : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new();
    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await database.DisposeAsync();

    private InFlightLimiter Limiter(double rate, int max) =>
        new(
            Options.Create(new ChannelsOptions
            {
                RatePerSecond = { [ChannelKind.WhatsApp] = rate }, MaxInFlight = { [ChannelKind.WhatsApp] = max },
            }),
            RateLimiterTests.Limiter(database, clock, new ChannelsOptions { RatePerSecond = { [ChannelKind.WhatsApp] = rate } }), clock);

    /// <summary>One send that the provider answers after <paramref name="latency"/> (on the fake clock).</summary>
    private async Task AnsweredAfterAsync(InFlightLimiter limiter, TimeSpan latency)
    {
        using var slot = await limiter.AcquireAsync(ChannelKind.WhatsApp, CancellationToken.None);
        slot.Start();
        clock.Advance(latency);
    }

    [Fact]
    public async Task The_target_follows_the_observed_provider_latency()
    {
        var limiter = Limiter(rate: 50, max: 200);
        limiter.TargetOf(ChannelKind.WhatsApp).ShouldBe(1, "until the first answer one call goes alone: its cold path must not bunch others");

        await AnsweredAfterAsync(limiter, TimeSpan.FromMilliseconds(200));
        limiter.LatencyOf(ChannelKind.WhatsApp).ShouldBe(TimeSpan.FromMilliseconds(200), "the first answer replaces the assumption");
        limiter.TargetOf(ChannelKind.WhatsApp).ShouldBe(13, "ceil(50 × 0.2 × 1.2) + 1");

        var targets = new List<int>();
        for (var i = 0; i < 30; i++)
        {
            await AnsweredAfterAsync(limiter, TimeSpan.FromSeconds(1));
            targets.Add(limiter.TargetOf(ChannelKind.WhatsApp));
        }
        targets.ShouldBe(targets.Order().ToList(), "a slower provider only ever raises the target");
        targets[0].ShouldBe(23, "one slow answer moves the average a fifth of the way: 0.2 + 0.2 × 0.8 = 0.36 s → ceil(21.6) + 1");
        targets[^1].ShouldBe(61, "the average has reached the new latency");

        for (var i = 0; i < 30; i++)
            await AnsweredAfterAsync(limiter, TimeSpan.FromMilliseconds(100));
        limiter.TargetOf(ChannelKind.WhatsApp).ShouldBeInRange(7, 8, "back down when it is faster again: about ceil(50 × 0.1 × 1.2) + 1");
    }

    [Fact]
    public async Task The_target_is_capped_by_the_channels_maximum_which_is_also_the_target_without_a_rate_limit()
    {
        var fast = Limiter(rate: 1000, max: 40);
        await AnsweredAfterAsync(fast, TimeSpan.FromMilliseconds(200));
        fast.TargetOf(ChannelKind.WhatsApp).ShouldBe(40, "241 needed, 40 allowed");

        var unlimited = Limiter(rate: 0, max: 25);
        await AnsweredAfterAsync(unlimited, TimeSpan.FromMilliseconds(1));
        unlimited.TargetOf(ChannelKind.WhatsApp).ShouldBe(25);
        new ChannelsOptions().MaxInFlightFor(ChannelKind.Email).ShouldBe(1, "one at a time where nothing is configured");
    }

    [Fact]
    public async Task No_more_than_the_target_are_in_flight_and_waiters_come_in_first_come_first_served()
    {
        var limiter = Limiter(rate: 0, max: 2);
        var first = await limiter.AcquireAsync(ChannelKind.WhatsApp, CancellationToken.None);
        var second = await limiter.AcquireAsync(ChannelKind.WhatsApp, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var third = limiter.AcquireAsync(ChannelKind.WhatsApp, CancellationToken.None).AsTask();
        var gaveUp = limiter.AcquireAsync(ChannelKind.WhatsApp, cancel.Token).AsTask();
        var fourth = limiter.AcquireAsync(ChannelKind.WhatsApp, CancellationToken.None).AsTask();

        (third.IsCompleted, gaveUp.IsCompleted, fourth.IsCompleted).ShouldBe((false, false, false));
        limiter.InFlightOf(ChannelKind.WhatsApp).ShouldBe(2);

        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(gaveUp);
        first.Dispose();
        first.Dispose(); // a slot goes back once
        await third.WaitAsync(TimeSpan.FromSeconds(5));
        fourth.IsCompleted.ShouldBeFalse("the waiter that gave up took no slot, and only one slot was given back");
        limiter.InFlightOf(ChannelKind.WhatsApp).ShouldBe(2);

        second.Dispose();
        (await fourth.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        (await third).Dispose();
        limiter.InFlightOf(ChannelKind.WhatsApp).ShouldBe(0);
    }
}
