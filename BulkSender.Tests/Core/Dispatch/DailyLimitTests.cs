using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Messages;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Dispatch;

/// <summary>The e-mail server's daily limit (Settings → Channels → Email → Daily limit): beyond it, sends wait for the next UTC day.</summary>
[Trait("Database", "Both")]
public sealed class DailyLimitTests
{
    private static readonly DateTime Evening = new(2026, 11, 23, 22, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Midnight = new(2026, 11, 24, 0, 0, 0, DateTimeKind.Utc);
    private static readonly Dictionary<string, string?> ThirtyADay = new() { ["Channels:Email:DailyLimit"] = "30" };

    [Fact]
    public async Task Deliveries_beyond_the_days_limit_wait_pending_for_the_next_utc_day_and_then_go_without_using_an_attempt()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Evening));
        await using var host = await CoreHost.StartAsync(clock: clock, settings: ThirtyADay);
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 55);

        var first = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, ids[..50]));
        await host.RunEnqueuedAsync();

        host.Provider.ForMessage(first).Count.ShouldBe(30);
        var batch = (await host.BatchesAsync(first)).Single();
        (batch.Status, batch.DueAt, batch.SentCount, batch.FailedCount, batch.ClaimedBy).ShouldBe((BatchStatus.Pending, Midnight, 30, 0, null));
        var deliveries = await host.DeliveriesAsync(first);
        (deliveries.Count(d => d.Status == DeliveryStatus.Sent), deliveries.Count(d => d.Status == DeliveryStatus.Pending)).ShouldBe((30, 20));
        (await host.MessageAsync(first)).Status.ShouldBe(MessageStatus.Sending);
        await using (var db = host.NewDbContext())
            (await MessageQueries.SnapshotAsync(db, first, null, CancellationToken.None))!.Batches.Single().DueAt
                .ShouldBe(Midnight, "the message page says when the held batch goes on");

        var second = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, ids[50..]));
        await host.RunEnqueuedAsync();
        clock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        await host.ReconcileAsync();

        host.Provider.ForMessage(second).ShouldBeEmpty("the day's 30 are used up");
        host.Provider.ForMessage(first).Count.ShouldBe(30, "a held batch is not claimed before the next day");

        clock.Advance(TimeSpan.FromSeconds(1));
        await host.ReconcileAsync();

        host.Provider.ForMessage(first).Count.ShouldBe(50);
        host.Provider.ForMessage(second).Count.ShouldBe(5);
        host.Provider.ForMessage(first).Concat(host.Provider.ForMessage(second)).ShouldAllBe(s => s.AttemptNumber == 1);
        var message = await host.MessageAsync(first);
        (message.Status, message.SentCount, message.Summary)
            .ShouldBe((MessageStatus.Sent, 50, "Sent to 50 recipients. 0 failed. Processed in 1 batch."));
        (await host.MessageAsync(second)).Status.ShouldBe(MessageStatus.Sent);
    }

    [Fact]
    public async Task A_restarted_process_counts_what_was_already_sent_today()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Evening));
        var host = await CoreHost.StartAsync(clock: clock, settings: ThirtyADay);
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 35);
        var first = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, ids[..20]));
        await host.RunEnqueuedAsync();
        host.Provider.ForMessage(first).Count.ShouldBe(20);

        await using var restarted = await host.RestartAsync(clock, ThirtyADay);
        var second = await restarted.SendAsync(CoreHost.Compose(ChannelKind.Email, ids[20..]));
        await restarted.RunEnqueuedAsync();

        restarted.Provider.ForMessage(second).Count.ShouldBe(10);
        (await restarted.BatchesAsync(second)).Single().DueAt.ShouldBe(Midnight);
    }

    [Fact]
    public async Task Without_a_daily_limit_nothing_is_held()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Evening));
        await using var host = await CoreHost.StartAsync(clock: clock,
            settings: new Dictionary<string, string?> { ["Channels:Email:DailyLimit"] = "0" });

        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 150)));
        await host.RunEnqueuedAsync();

        host.Provider.ForMessage(messageId).Count.ShouldBe(150);
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sent);
    }

    /// <summary>
    /// A mail waiting out a back-off for its slot is withheld when its send is cancelled or the channel paused: it was not
    /// sent, so it gives back the unit of the day's allowance it took at the gate. Real time (a 3 s back-off).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_mail_withheld_on_its_way_gives_back_its_unit_of_the_days_allowance(bool cancelled)
    {
        await using var host = await CoreHost.StartAsync(settings: new Dictionary<string, string?>(ThirtyADay)
        {
            ["Channels:RatePerSecond:Email"] = "10",
        });
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 1);
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, ids));

        await host.WithholdOnItsWayAsync(messageId, ChannelKind.Email, cancelled, ("535", "the SMTP server refused the login"),
            () => UsedToday(host) > 0);

        host.Provider.ForMessage(messageId).ShouldBeEmpty("the mail was withheld");
        (await host.DeliveriesAsync(messageId)).Single().Status.ShouldBe(cancelled ? DeliveryStatus.Cancelled : DeliveryStatus.Pending);
        UsedToday(host).ShouldBe(0, "a mail not sent counts on no day (the block's other units went back as the run ended)");
    }

    /// <summary>The e-mail channel's count of the day's allowance (today's row, or yesterday's when the test ran over midnight).</summary>
    private static int UsedToday(CoreHost host)
    {
        using var db = host.NewDbContext();
        var prefix = DailySendQuota.Key(ChannelKind.Email, DateTime.UnixEpoch)[..^"1970-01-01".Length];
        return db.LimitCounters.Where(c => c.Key.StartsWith(prefix)).Sum(c => c.Used);
    }
}
