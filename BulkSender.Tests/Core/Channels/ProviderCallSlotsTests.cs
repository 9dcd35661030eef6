using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Channels.RateLimits;
using BulkSender.Core.Dispatch;
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
        return (clock, new ProviderCallSlots(limiter, granted, RateLimiterTests.Pauses(database, clock)));
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

    /// <summary>A WhatsApp adapter against the server, a limiter of 10 a second and the pauses on a fake clock.</summary>
    private async Task<(TimerWatchingClock, ChannelRateLimiter, ChannelPauses, Func<ProviderCallSlots, Task<ChannelResult>>)> WhatsAppAsync()
    {
        Server.AcceptAll();
        var clock = new TimerWatchingClock();
        var limiter = RateLimiterTests.Limiter(Database, clock, new ChannelsOptions { RatePerSecond = { [ChannelKind.WhatsApp] = 10 } });
        var pauses = RateLimiterTests.Pauses(Database, clock);
        var adapter = Services.GetRequiredKeyedService<IRealChannel>(ChannelKind.WhatsApp);
        var message = new OutgoingMessage(7, 3, ChannelKind.WhatsApp, "+14155550123", "Ada", 1, "Title", "Spring sale", null);
        await pauses.ListAsync(default); // read: the channel is not paused
        return (clock, limiter, pauses, slots => adapter.SendAsync(message with { CallSlots = slots }, CancellationToken.None));
    }

    [Fact]
    public async Task A_call_whose_channel_was_paused_on_its_way_is_not_made_though_its_slot_is_on_time()
    {
        var (_, limiter, pauses, send) = await WhatsAppAsync();
        var slots = new ProviderCallSlots(limiter, await limiter.TakeAsync(ChannelKind.WhatsApp, default), pauses);
        (await pauses.PauseAsync(ChannelKind.WhatsApp, "131048", "spam rate limit hit", default)).ShouldBeTrue();

        var withheld = await Should.ThrowAsync<ChannelPausedException>(send(slots).WaitAsync(TimeSpan.FromSeconds(10)));

        withheld.Channel.ShouldBe(ChannelKind.WhatsApp);
        Server.Requests.ShouldBeEmpty();
    }

    /// <summary>
    /// Another call's 131048 is a rate-limit reply and a pausing one: a call granted before it waits out its back-off,
    /// and then finds the channel paused: it is not made.
    /// </summary>
    [Fact]
    public async Task A_call_that_waited_out_a_back_off_is_not_made_when_the_channel_was_paused_meanwhile()
    {
        var (clock, limiter, pauses, send) = await WhatsAppAsync();
        var slots = new ProviderCallSlots(limiter, await limiter.TakeAsync(ChannelKind.WhatsApp, default), pauses);
        var backOff = TimeSpan.FromSeconds(1);
        await limiter.BackOffAsync(ChannelKind.WhatsApp, backOff, clock.GetUtcNow(), default);

        var sending = send(slots);
        await clock.ArmedAtAsync(clock.GetUtcNow() + backOff);
        (await pauses.PauseAsync(ChannelKind.WhatsApp, "131048", "spam rate limit hit", default)).ShouldBeTrue();
        sending.IsCompleted.ShouldBeFalse("it waits for the back-off's end");
        clock.Advance(backOff);

        await Should.ThrowAsync<ChannelPausedException>(sending.WaitAsync(TimeSpan.FromSeconds(10)));
        Server.Requests.ShouldBeEmpty("the channel was paused while the call waited: it was not made");
    }

    /// <summary>
    /// A call granted before a rate-limit reply waits out its Retry-After for a slot, and the operator cancels its send
    /// meanwhile: the call is not made (it would reach the recipient that long after the cancel). Another send's
    /// cancellation stops nothing.
    /// </summary>
    [Fact]
    public async Task A_call_that_waited_out_a_back_off_is_not_made_when_its_send_was_cancelled_meanwhile()
    {
        var (clock, limiter, pauses, send) = await WhatsAppAsync();
        var cancellations = new SendCancellations(clock);
        cancellations.Cancelled(4); // another send
        var granted = await limiter.TakeAsync(ChannelKind.WhatsApp, default);
        var slots = new ProviderCallSlots(limiter, granted, pauses, () => cancellations.IsKnownCancelled(3));
        var backOff = TimeSpan.FromSeconds(1);
        await limiter.BackOffAsync(ChannelKind.WhatsApp, backOff, clock.GetUtcNow(), default);

        var sending = send(slots);
        await clock.ArmedAtAsync(clock.GetUtcNow() + backOff);
        cancellations.Cancelled(3);
        sending.IsCompleted.ShouldBeFalse("it waits for the back-off's end");
        clock.Advance(backOff);

        await Should.ThrowAsync<SendCancelledException>(sending.WaitAsync(TimeSpan.FromSeconds(10)));
        Server.Requests.ShouldBeEmpty("the send was cancelled while the call waited: it was not made");
        slots.FirstCallLeft.ShouldBeFalse("the send pipeline gives back what the recipient took at the gate");
        var taking = limiter.TakeAsync(ChannelKind.WhatsApp, default).AsTask();
        await clock.FirstArmedAsync();
        clock.AdvanceToEarliestTimer(); // the next slot
        var other = new ProviderCallSlots(limiter, await taking.WaitAsync(TimeSpan.FromSeconds(10)), pauses,
            () => cancellations.IsKnownCancelled(5));
        (await send(other).WaitAsync(TimeSpan.FromSeconds(10))).Succeeded.ShouldBeTrue("a send not cancelled goes on");
        Server.Requests.Count.ShouldBe(1);
        other.FirstCallLeft.ShouldBeTrue();
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
