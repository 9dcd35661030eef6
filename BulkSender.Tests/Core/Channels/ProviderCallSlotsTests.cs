using BulkSender.Core.Channels;
using BulkSender.Core.Channels.RateLimits;
using BulkSender.Tests.Core.Dispatch;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BulkSender.Tests.Core.Channels;

/// <summary>
/// Every adapter checks its call's rate-limiter slot just before the call (<see cref="OutgoingMessage.BeforeCallAsync"/>):
/// a message whose slot passed more than the lateness ago on its way reaches the provider only in the next slot.
/// </summary>
public sealed class ProviderCallSlotsTests : ProviderTest
{
    protected override IDictionary<string, string?> Configuration(Uri server) => AttachmentChannelTests.BothGraphChannels(server);

    /// <summary>A slot of <paramref name="channel"/> (10 a second, on a fake clock) that passed its lateness a millisecond ago.</summary>
    internal static async Task<(TimerWatchingClock Clock, ProviderCallSlots Slots)> LateSlotAsync(TestDatabase database, ChannelKind channel)
    {
        var clock = new TimerWatchingClock();
        var limiter = RateLimiterTests.Limiter(database, clock, new ChannelsOptions { RatePerSecond = { [channel] = 10 } });
        var granted = await limiter.TakeAsync(channel, default);
        clock.Advance(SlotPlan.Lateness + TimeSpan.FromMilliseconds(1));
        return (clock, new ProviderCallSlots(limiter, granted));
    }

    /// <summary>
    /// Sends <paramref name="message"/> with a late slot: nothing reaches the provider (<paramref name="received"/>)
    /// while the adapter waits for the next slot, one call once the clock reaches it.
    /// </summary>
    internal static async Task<ChannelResult> SendWithLateSlotAsync(TestDatabase database, IChannel adapter, OutgoingMessage message,
        Func<int> received)
    {
        var (clock, slots) = await LateSlotAsync(database, message.Channel);
        var sending = adapter.SendAsync(message with { CallSlots = slots }, CancellationToken.None);
        await SendBatchJobTests.Until(() => clock.Timers > 0 || sending.IsCompleted, timeoutSeconds: 10);
        received().ShouldBe(0, "the slot passed on the message's way: the call waits for the next one");
        sending.IsCompleted.ShouldBeFalse();
        var next = clock.GetUtcNow() + TimeSpan.FromTicks(SlotPlan.IntervalTicks(10)) - SlotPlan.Lateness - TimeSpan.FromMilliseconds(1);
        clock.Armed.ShouldBe([next], "on a timer due at the next slot");
        clock.Advance(next - clock.GetUtcNow());
        var result = await sending.WaitAsync(TimeSpan.FromSeconds(10));
        received().ShouldBe(1, "and goes in it");
        return result;
    }

    [Theory]
    [InlineData(ChannelKind.Messenger, "2460001234567")]
    [InlineData(ChannelKind.WhatsApp, "+14155550123")]
    public async Task A_graph_call_whose_slot_passed_on_its_way_goes_in_the_next_slot(ChannelKind channel, string address)
    {
        Server.AcceptAll();
        var message = new OutgoingMessage(7, 3, channel, address, "Ada", 1, "Title", "Spring sale", null);

        var result = await SendWithLateSlotAsync(Database, Services.GetRequiredKeyedService<IRealChannel>(channel), message,
            () => Server.Requests.Count);

        result.Succeeded.ShouldBeTrue(result.ErrorMessage);
    }

    [Fact]
    public async Task The_simulated_provider_is_called_in_the_next_slot_when_the_granted_one_passed_on_the_way()
    {
        var options = Options.Create(new SimulatedChannelOptions { LatencyMs = 0 });
        using var log = new SimulatedChannelLog(options);
        var message = new OutgoingMessage(7, 3, ChannelKind.Email, "ada@example.org", "Ada", 1, "Title", "Spring sale", null);

        var result = await SendWithLateSlotAsync(Database, new SimulatedChannel(options, log, TimeProvider.System), message,
            () => log.ForMessage(3).Count);

        result.Succeeded.ShouldBeTrue();
    }
}
