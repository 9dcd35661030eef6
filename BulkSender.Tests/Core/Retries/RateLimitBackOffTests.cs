using BulkSender.Core.Channels;
using BulkSender.Core.Retries;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Retries;

public sealed class RateLimitBackOffTests
{
    private static ChannelRateLimiter Limiter(FakeTimeProvider clock, double rate = 0) =>
        new(Options.Create(new ChannelsOptions { RatePerSecond = { [ChannelKind.Messenger] = rate } }), clock);

    [Fact]
    public async Task A_rate_limit_reply_pauses_the_channel_for_the_providers_retry_after()
    {
        var clock = new FakeTimeProvider();
        var limiter = Limiter(clock);
        var channel = new BackingOffChannel(
            new AnsweringChannel(ChannelResult.Failed(ErrorType.RateLimit, "613", "Calls exceeded") with { RetryAfter = TimeSpan.FromSeconds(30) }),
            ChannelKind.Messenger, limiter);

        await channel.SendAsync(Message(), CancellationToken.None);
        var next = limiter.WaitAsync(ChannelKind.Messenger, CancellationToken.None).AsTask();

        clock.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(50);
        next.IsCompleted.ShouldBeFalse("nothing goes to the provider before its Retry-After has passed");
        clock.Advance(TimeSpan.FromSeconds(1));
        await next.WaitAsync(TimeSpan.FromSeconds(5));
        limiter.WaitAsync(ChannelKind.Email, CancellationToken.None).AsTask().IsCompleted.ShouldBeTrue("other channels are not paused");
    }

    [Fact]
    public async Task Without_a_retry_after_the_pause_is_the_default_and_other_errors_do_not_pause()
    {
        var clock = new FakeTimeProvider();
        var limiter = Limiter(clock);

        await new BackingOffChannel(new AnsweringChannel(ChannelResult.Failed(ErrorType.Network, "ETIMEDOUT", "timeout")),
            ChannelKind.Messenger, limiter)
            .SendAsync(Message(), CancellationToken.None);
        limiter.WaitAsync(ChannelKind.Messenger, CancellationToken.None).AsTask().IsCompleted.ShouldBeTrue();

        await new BackingOffChannel(new AnsweringChannel(ChannelResult.Failed(ErrorType.RateLimit, "4", "Too many calls")),
            ChannelKind.Messenger, limiter)
            .SendAsync(Message(), CancellationToken.None);
        var next = limiter.WaitAsync(ChannelKind.Messenger, CancellationToken.None).AsTask();
        clock.Advance(ChannelRateLimiter.DefaultBackOff - TimeSpan.FromMilliseconds(10));
        await Task.Delay(50);
        next.IsCompleted.ShouldBeFalse();
        clock.Advance(TimeSpan.FromMilliseconds(10));
        await next.WaitAsync(TimeSpan.FromSeconds(5));
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
