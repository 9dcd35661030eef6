using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Channels;

/// <summary>The simulated provider's delivered / read / replied events, on the real Core services and a fake clock.</summary>
public sealed class SimulatedEventsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan DeliveredAfter = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ReadAfter = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ReplyAfter = TimeSpan.FromSeconds(30);

    private static Dictionary<string, string?> Settings(double deliveredRate = 0.9, double failureRate = 0.2) => new()
    {
        ["Channels:Simulated:FailureRates:Network"] = failureRate.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Channels:Simulated:DeliveredRate"] = deliveredRate.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Channels:Simulated:ReadRate"] = "0.7",
        ["Channels:Simulated:ReplyRate"] = "0.5",
        ["Channels:Simulated:DeliveredAfter"] = DeliveredAfter.ToString(),
        ["Channels:Simulated:ReadAfter"] = ReadAfter.ToString(),
        ["Channels:Simulated:ReplyAfter"] = ReplyAfter.ToString(),
    };

    /// <summary>A host on a fake clock that has sent one message to 200 e-mail contacts at <see cref="T0"/>.</summary>
    private static async Task<(CoreHost Host, FakeTimeProvider Clock, int MessageId)> SentAsync(Dictionary<string, string?>? settings = null)
    {
        var clock = new FakeTimeProvider(T0);
        var host = await CoreHost.StartAsync(contacts: 900, settings ?? Settings(), clock);
        var id = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 200)));
        await host.RunEnqueuedAsync();
        return (host, clock, id);
    }

    private static Task<SimulatedEventCounts> ApplyAsync(CoreHost host) =>
        host.Services.GetRequiredService<SimulatedEvents>().ApplyDueAsync(CancellationToken.None);

    private static async Task<List<(string? ProviderId, DateTime? Delivered,
        DateTime? Read, DateTime? Replied)>> FunnelOfAsync(CoreHost host, int messageId) =>
        (await host.DeliveriesAsync(messageId)).Select(d => (d.ProviderMessageId, d.DeliveredAt, d.ReadAt, d.RepliedAt)).ToList();

    [Fact]
    public async Task Delivered_read_and_replied_appear_after_their_delays_for_the_configured_shares()
    {
        var (host, clock, id) = await SentAsync();
        await using var _ = host;
        var sent = (await host.DeliveriesAsync(id)).Where(d => d.Status == DeliveryStatus.Sent).ToList();
        sent.Count.ShouldBeInRange(140, 180);

        clock.Advance(DeliveredAfter - TimeSpan.FromSeconds(1));
        (await ApplyAsync(host)).ShouldBe(new SimulatedEventCounts(0, 0, 0));

        clock.Advance(TimeSpan.FromSeconds(1) + DeliveredAfter); // every delivered event is due: the latest comes at twice its delay
        var first = await ApplyAsync(host);
        first.Read.ShouldBe(0);
        var deliveries = await host.DeliveriesAsync(id);
        var delivered = deliveries.Where(d => d.DeliveredAt is not null).ToList();
        delivered.Count.ShouldBe(first.Delivered);
        (delivered.Count / (double)sent.Count).ShouldBe(0.9, tolerance: 0.08);
        delivered.ShouldAllBe(d => d.DeliveredAt >= d.SentAt + DeliveredAfter && d.DeliveredAt <= d.SentAt + 2 * DeliveredAfter);
        delivered.Select(d => d.DeliveredAt).Distinct().Count().ShouldBeGreaterThan(10, "the times spread between the delay and twice it");

        clock.Advance(2 * ReadAfter);
        var second = await ApplyAsync(host);
        (second.Delivered, second.Replied).ShouldBe((0, 0));
        var read = (await host.DeliveriesAsync(id)).Where(d => d.ReadAt is not null).ToList();
        read.Count.ShouldBe(second.Read);
        (read.Count / (double)delivered.Count).ShouldBe(0.7, tolerance: 0.1);
        read.ShouldAllBe(d => d.ReadAt >= d.DeliveredAt + ReadAfter && d.ReadAt <= d.DeliveredAt + 2 * ReadAfter);

        clock.Advance(2 * ReplyAfter);
        var third = await ApplyAsync(host);
        (third.Delivered, third.Read).ShouldBe((0, 0));
        var replied = (await host.DeliveriesAsync(id)).Where(d => d.RepliedAt is not null).ToList();
        replied.Count.ShouldBe(third.Replied);
        (replied.Count / (double)read.Count).ShouldBe(0.5, tolerance: 0.15);
        replied.ShouldAllBe(d => d.RepliedAt >= d.ReadAt + ReplyAfter && d.RepliedAt <= d.ReadAt + 2 * ReplyAfter);

        await using var db = host.NewDbContext();
        var repliedContacts = replied.Select(d => d.ContactId).ToList();
        (await db.Contacts.CountAsync(c => repliedContacts.Contains(c.Id) && c.LastInboundAt != null)).ShouldBe(replied.Count);
        (await db.Contacts.CountAsync(c => repliedContacts.Contains(c.Id) && c.OptedOut)).ShouldBe(0, "a simulated reply is never STOP");
        SimulatedEvents.Replies.ShouldNotContain(r => r.Trim().Equals("stop", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Failed_deliveries_get_no_events()
    {
        var (host, clock, id) = await SentAsync(Settings(deliveredRate: 1));
        await using var _ = host;

        clock.Advance(TimeSpan.FromMinutes(10));
        await ApplyAsync(host);

        var deliveries = await host.DeliveriesAsync(id);
        var failed = deliveries.Where(d => d.Status == DeliveryStatus.Failed).ToList();
        failed.Count.ShouldBeGreaterThan(20);
        failed.ShouldAllBe(d => d.DeliveredAt == null && d.ReadAt == null && d.RepliedAt == null);
        deliveries.Where(d => d.Status == DeliveryStatus.Sent).ShouldAllBe(d => d.DeliveredAt != null,
            "a delivered rate of 1 delivers every accepted send");
    }

    [Fact]
    public async Task Events_repeat_for_the_same_seed_whenever_they_are_applied()
    {
        var (stepwise, stepClock, first) = await SentAsync();
        await using var a = stepwise;
        var (atOnce, onceClock, second) = await SentAsync();
        await using var b = atOnce;

        for (var i = 0; i < 30; i++)
        {
            stepClock.Advance(TimeSpan.FromSeconds(7));
            await ApplyAsync(stepwise);
        }
        onceClock.Advance(TimeSpan.FromSeconds(7 * 30));
        await ApplyAsync(atOnce);

        var expected = await FunnelOfAsync(stepwise, first);
        expected.Count(d => d.Replied is not null).ShouldBeGreaterThan(0);
        (await FunnelOfAsync(atOnce, second)).ShouldBe(expected, "the same events at the same times, however often a pass runs");
    }

    [Fact]
    public async Task A_restarted_process_catches_up_on_events_that_came_due_while_it_was_down_and_repeats_none()
    {
        var (reference, referenceClock, referenceId) = await SentAsync();
        List<(string? ProviderId, DateTime? Delivered, DateTime? Read, DateTime? Replied)> expected;
        await using (reference)
        {
            referenceClock.Advance(TimeSpan.FromMinutes(5));
            await ApplyAsync(reference);
            expected = await FunnelOfAsync(reference, referenceId);
        }

        var (host, clock, id) = await SentAsync();
        clock.Advance(DeliveredAfter * 1.5);
        (await ApplyAsync(host)).Delivered.ShouldBeGreaterThan(0, "some were delivered before the crash");
        clock.Advance(TimeSpan.FromMinutes(5) - DeliveredAfter * 1.5);
        await using var restarted = await host.RestartAsync(clock, Settings());

        var caughtUp = await ApplyAsync(restarted);
        caughtUp.Read.ShouldBeGreaterThan(0);
        (await FunnelOfAsync(restarted, id)).ShouldBe(expected);

        (await ApplyAsync(restarted)).ShouldBe(new SimulatedEventCounts(0, 0, 0), "a second pass finds nothing left to do");
        var otherInstance = ActivatorUtilities.CreateInstance<SimulatedEvents>(restarted.Services);
        (await otherInstance.ApplyDueAsync(CancellationToken.None)).ShouldBe(new SimulatedEventCounts(0, 0, 0),
            "another instance repeats nothing either");
        (await FunnelOfAsync(restarted, id)).ShouldBe(expected);
    }

    [Fact]
    public async Task A_delivered_rate_of_zero_turns_the_events_off()
    {
        var (host, clock, id) = await SentAsync(Settings(deliveredRate: 0));
        await using var _ = host;

        clock.Advance(TimeSpan.FromHours(1));

        (await ApplyAsync(host)).ShouldBe(new SimulatedEventCounts(0, 0, 0));
        (await host.DeliveriesAsync(id)).ShouldAllBe(d => d.DeliveredAt == null);
    }

    [Fact]
    public async Task The_background_service_applies_events_on_the_clock_it_is_given()
    {
        var (host, clock, id) = await SentAsync(Settings(deliveredRate: 1));
        await using var _ = host;
        var service = host.Services.GetServices<IHostedService>().OfType<SimulatedEventsService>().Single();
        await service.StartAsync(CancellationToken.None);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!(await host.DeliveriesAsync(id)).Any(d => d.DeliveredAt is not null))
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, "the service applied no event as the fake clock moved on");
                clock.Advance(TimeSpan.FromSeconds(1));
                await Task.Yield();
            }
            (await host.DeliveriesAsync(id)).Where(d => d.DeliveredAt is not null).ShouldAllBe(d => d.DeliveredAt <= clock.GetUtcNow().UtcDateTime);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Negative_delays_and_a_zero_interval_are_refused_at_start()
    {
        new SimulatedChannelOptions { ReadAfter = TimeSpan.FromSeconds(-1) }.Validate(new(new object())).ShouldNotBeEmpty();
        new SimulatedChannelOptions { EventsInterval = TimeSpan.Zero }.Validate(new(new object())).ShouldNotBeEmpty();
        new SimulatedChannelOptions().Validate(new(new object())).ShouldBeEmpty();
    }
}
