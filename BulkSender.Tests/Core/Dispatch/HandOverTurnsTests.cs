using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Tests.Core.Channels;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Dispatch;

/// <summary>
/// A rate-limited channel's batches hand over in turns: two at once (one more per further 500/s), the rest first come,
/// first served; no limit, no turns.
/// </summary>
public sealed class HandOverTurnsTests : IAsyncLifetime
{
    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await database.DisposeAsync();

    private HandOverTurns Turns(double emailRate) => new(RateLimiterTests.Limiter(database, new FakeTimeProvider(),
        new ChannelsOptions { RatePerSecond = { [ChannelKind.Email] = emailRate, [ChannelKind.WhatsApp] = 0 } }));

    [Theory]
    [InlineData(20, 2)]
    [InlineData(1000, 2)]
    [InlineData(1001, 3)]
    [InlineData(3000, 6)]
    public void Two_batches_hand_over_at_once_and_one_more_for_every_further_500_a_second(double perSecond, int turns) =>
        HandOverTurns.TurnsAt(perSecond).ShouldBe(turns);

    [Fact]
    public async Task The_third_batch_waits_for_a_turn_and_the_waiting_ones_get_theirs_first_come_first_served()
    {
        var turns = Turns(emailRate: 80);
        var first = await turns.TakeAsync(ChannelKind.Email, CancellationToken.None);
        var second = await turns.TakeAsync(ChannelKind.Email, CancellationToken.None);
        var third = turns.TakeAsync(ChannelKind.Email, CancellationToken.None).AsTask();
        using var leaving = new CancellationTokenSource();
        var leaves = turns.TakeAsync(ChannelKind.Email, leaving.Token).AsTask();
        var fourth = turns.TakeAsync(ChannelKind.Email, CancellationToken.None).AsTask();
        new[] { third, leaves, fourth }.ShouldAllBe(t => !t.IsCompleted, "two turns are taken");

        await leaving.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(leaves);
        first.Dispose();
        (await third.WaitAsync(TimeSpan.FromSeconds(5))).ShouldNotBeNull();
        first.Dispose(); // a turn ends once
        fourth.IsCompleted.ShouldBeFalse("the first's turn went to the third, the second still has its own");
        second.Dispose();
        (await fourth.WaitAsync(TimeSpan.FromSeconds(5))).ShouldNotBeNull("the one who left took no turn with it");
    }

    [Fact]
    public async Task A_channel_without_a_rate_limit_has_no_turns()
    {
        var turns = Turns(emailRate: 80);
        var taken = Enumerable.Range(0, 50).Select(_ => turns.TakeAsync(ChannelKind.WhatsApp, CancellationToken.None)).ToList();
        taken.ShouldAllBe(t => t.IsCompletedSuccessfully);
        HandOverTurns.TurnsAt(0).ShouldBe(int.MaxValue);
    }
}
