using BulkSender.Core.Channels;
using BulkSender.Core.Channels.WhatsApp;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Dispatch;

/// <summary>
/// WhatsApp's messaging limit (Settings → Channels → WhatsApp → Messaging limit): unique contacts reached by templates
/// outside the service window per moving 24 hours. Beyond it batches wait, nothing fails; compose says how many fit.
/// </summary>
[Trait("Database", "Both")]
public sealed class MessagingLimitTests
{
    private static readonly DateTime Noon = new(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc);

    private static Dictionary<string, string?> Limit(int limit) => new() { ["Channels:WhatsApp:MessagingLimit"] = $"{limit}" };

    private static async Task<CoreHost> StartAsync(FakeTimeProvider clock, int limit)
    {
        var host = await CoreHost.StartAsync(contacts: 90, clock: clock, settings: Limit(limit));
        await host.AddGreetingTemplateAsync();
        return host;
    }

    [Fact]
    public async Task Templates_beyond_the_limit_wait_pending_until_room_returns_while_contacts_inside_the_window_go_and_compose_says_who_fits()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Noon));
        await using var host = await StartAsync(clock, limit: 10);
        var wrote = await host.ContactsWhoWroteAsync(ChannelKind.WhatsApp, 3);
        var never = (await host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 15)).Except(wrote).ToList();
        var model = CoreHost.Greeting(wrote.Concat(never));

        var counts = await host.Services.GetRequiredService<ComposePreview>().CountAsync(model, CancellationToken.None);
        var room = counts.MessagingLimit.ShouldNotBeNull();
        (room.Limit, room.Used, room.Recipients, room.Outside, room.FitNow, room.Waiting).ShouldBe((10, 0, 15, 12, 13, 2));

        var messageId = await host.SendAsync(model);
        await host.RunEnqueuedAsync();

        host.Provider.ForMessage(messageId).Count.ShouldBe(13, "the 3 inside the window do not count; 10 of the 12 outside fit");
        var batch = (await host.BatchesAsync(messageId)).Single();
        (batch.Status, batch.DueAt, batch.FailedCount).ShouldBe((BatchStatus.Pending, Noon.AddHours(24), 0));
        var deliveries = await host.DeliveriesAsync(messageId);
        deliveries.Count(d => d.Status == DeliveryStatus.Pending).ShouldBe(2);
        deliveries.Where(d => d.BusinessInitiated).Select(d => d.ContactId!.Value).ShouldAllBe(id => never.Contains(id));
        deliveries.Count(d => d.BusinessInitiated).ShouldBe(10);
        var after = (await host.Services.GetRequiredService<ComposePreview>().CountAsync(CoreHost.Greeting(never), CancellationToken.None))
            .MessagingLimit!;
        (after.Used, after.FitNow, after.RoomAt).ShouldBe((10, 0, Noon.AddHours(24)));

        clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        await host.ReconcileAsync();
        host.Provider.ForMessage(messageId).Count.ShouldBe(13, "the first ten still count for a second");

        clock.Advance(TimeSpan.FromSeconds(1));
        await host.ReconcileAsync();
        host.Provider.ForMessage(messageId).Count.ShouldBe(15);
        host.Provider.ForMessage(messageId).ShouldAllBe(s => s.AttemptNumber == 1);
        var message = await host.MessageAsync(messageId);
        (message.Status, message.SentCount, message.FailedCount).ShouldBe((MessageStatus.Sent, 15, 0));
    }

    [Fact]
    public async Task A_contact_already_reached_in_the_last_24_hours_costs_nothing_again()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Noon));
        await using var host = await StartAsync(clock, limit: 5);
        var ids = await host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 6);

        var first = await host.SendAsync(CoreHost.Greeting(ids[..5]));
        await host.RunEnqueuedAsync();
        clock.Advance(TimeSpan.FromHours(1));
        var again = await host.SendAsync(CoreHost.Greeting(ids[..5]));
        await host.RunEnqueuedAsync();
        var another = await host.SendAsync(CoreHost.Greeting(ids[5..]));
        await host.RunEnqueuedAsync();

        (host.Provider.ForMessage(first).Count, host.Provider.ForMessage(again).Count, host.Provider.ForMessage(another).Count)
            .ShouldBe((5, 5, 0));
        (await host.BatchesAsync(another)).Single().DueAt
            .ShouldBe(Noon.AddHours(25), "reached again at 13:00, the five count until 24 hours after that");
    }

    [Fact]
    public async Task A_restarted_process_counts_the_contacts_reached_in_the_last_24_hours_from_the_database()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Noon));
        var host = await StartAsync(clock, limit: 5);
        var ids = await host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 7);
        var first = await host.SendAsync(CoreHost.Greeting(ids[..3]));
        await host.RunEnqueuedAsync();
        host.Provider.ForMessage(first).Count.ShouldBe(3);

        clock.Advance(TimeSpan.FromHours(2));
        await using var restarted = await host.RestartAsync(clock, Limit(5));
        var second = await restarted.SendAsync(CoreHost.Greeting(ids[3..]));
        await restarted.RunEnqueuedAsync();

        restarted.Provider.ForMessage(second).Count.ShouldBe(2);
        (await restarted.BatchesAsync(second)).Single().DueAt.ShouldBe(Noon.AddHours(24));
    }

    [Fact]
    public async Task Free_text_and_other_channels_are_not_counted_and_without_a_limit_compose_shows_none()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Noon));
        await using var host = await StartAsync(clock, limit: 1);
        var wrote = await host.ContactsWhoWroteAsync(ChannelKind.WhatsApp, 4);
        var freeText = CoreHost.Compose(ChannelKind.WhatsApp, wrote);

        var messageId = await host.SendAsync(freeText);
        await host.RunEnqueuedAsync();

        host.Provider.ForMessage(messageId).Count.ShouldBe(4);
        (await host.DeliveriesAsync(messageId)).ShouldAllBe(d => !d.BusinessInitiated);
        var preview = host.Services.GetRequiredService<ComposePreview>();
        (await preview.CountAsync(freeText, CancellationToken.None)).MessagingLimit.ShouldBeNull("free text is not limited");
        (await preview.CountAsync(CoreHost.Compose(ChannelKind.Email, []), CancellationToken.None)).MessagingLimit.ShouldBeNull();
        await using var db = host.NewDbContext();
        (await db.Deliveries.CountAsync(d => d.BusinessInitiated)).ShouldBe(0);
    }

    /// <summary>
    /// A template waiting out a back-off for its slot is withheld when its send is cancelled or the channel paused: it was
    /// not sent, so its contact leaves the count again, or counts from its earlier template. Real time (a 3 s back-off).
    /// </summary>
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task A_template_withheld_on_its_way_gives_its_contact_back_to_the_messaging_limit(bool cancelled, bool reachedBefore)
    {
        await using var host = await CoreHost.StartAsync(contacts: 90, settings: new Dictionary<string, string?>(Limit(10))
        {
            ["Channels:RatePerSecond:WhatsApp"] = "10",
        });
        await host.AddGreetingTemplateAsync();
        var ids = await host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 1);
        var messageId = await host.SendAsync(CoreHost.Greeting(ids));
        var address = (await host.DeliveriesAsync(messageId)).Single().RecipientAddress;
        var now = DateTime.UtcNow;
        var earlier = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, DateTimeKind.Utc).AddHours(-1);
        if (reachedBefore)
            await using (var db = host.NewDbContext())
            {
                db.MessagingLimitContacts.Add(new MessagingLimitContact { Address = address, CountedAt = earlier });
                await db.SaveChangesAsync();
            }

        await host.WithholdOnItsWayAsync(messageId, ChannelKind.WhatsApp, cancelled, ("131031", "the business account is restricted"), () =>
        {
            using var db = host.NewDbContext();
            return db.MessagingLimitContacts.Any(c => c.CountedAt > earlier);
        });

        host.Provider.ForMessage(messageId).ShouldBeEmpty("the template was withheld");
        (await host.DeliveriesAsync(messageId)).Single().Status.ShouldBe(cancelled ? DeliveryStatus.Cancelled : DeliveryStatus.Pending);
        await using (var db = host.NewDbContext())
            (await db.MessagingLimitContacts.Select(c => c.CountedAt).ToListAsync())
                .ShouldBe(reachedBefore ? [earlier] : [], "a template not sent counts no contact; one reached before counts from then");
        (await host.Services.GetRequiredService<WhatsAppMessagingLimit>().UsageAsync(CancellationToken.None)).Used
            .ShouldBe(reachedBefore ? 1 : 0);
    }
}
