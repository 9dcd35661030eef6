using System.Globalization;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Funnel;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Core.Funnel;

[Trait("Database", "Both")]
public sealed class DeliveryStatusUpdaterTests : ChannelServicesTest
{
    private static readonly DateTime T0 = new(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    private DeliveryStatusUpdater Updater => Services.GetRequiredService<DeliveryStatusUpdater>();

    private async Task<List<Delivery>> SendAsync(ChannelKind channel, Contact contact, params DateTime[] sentAt)
    {
        var all = new List<Delivery>();
        await using var db = Database.CreateDbContext();
        foreach (var at in sentAt)
            all.AddRange((await DeliveryBuilder.SentAsync(db, channel, [contact], at)).Deliveries);
        return all;
    }

    private async Task<Delivery> ReloadAsync(long id)
    {
        await using var db = Database.CreateDbContext();
        return await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == id);
    }

    [Fact]
    public async Task A_delivery_watermark_delivers_everything_sent_to_that_psid_up_to_it()
    {
        var contact = ContactBuilder.Contact(ChannelKind.Messenger);
        var other = ContactBuilder.Contact(ChannelKind.Messenger);
        var sent = await SendAsync(ChannelKind.Messenger, contact, T0.AddMinutes(-3), T0.AddMinutes(-2), T0.AddMinutes(1));
        var otherSent = await SendAsync(ChannelKind.Messenger, other, T0.AddMinutes(-3));

        var moved = await Updater.MarkDeliveredUpToAsync(ChannelKind.Messenger, contact.Address, T0, [], T0.AddSeconds(5), CancellationToken.None);

        moved.ShouldBe(2);
        (await ReloadAsync(sent[0].Id)).DeliveredAt.ShouldBe(T0.AddSeconds(5));
        (await ReloadAsync(sent[1].Id)).DeliveredAt.ShouldBe(T0.AddSeconds(5));
        (await ReloadAsync(sent[2].Id)).DeliveredAt.ShouldBeNull();
        (await ReloadAsync(otherSent[0].Id)).DeliveredAt.ShouldBeNull();

        // A message id listed in the event counts even if our clock put it after the watermark.
        (await Updater.MarkDeliveredUpToAsync(ChannelKind.Messenger, contact.Address, T0, [sent[2].ProviderMessageId!],
            T0.AddSeconds(6), CancellationToken.None)).ShouldBe(1);
    }

    [Fact]
    public async Task A_read_watermark_reads_and_so_delivers()
    {
        var contact = ContactBuilder.Contact(ChannelKind.Messenger);
        var sent = await SendAsync(ChannelKind.Messenger, contact, T0.AddMinutes(-1));

        await Updater.MarkReadUpToAsync(ChannelKind.Messenger, contact.Address, T0, T0.AddSeconds(30), CancellationToken.None);

        var delivery = await ReloadAsync(sent[0].Id);
        (delivery.DeliveredAt, delivery.ReadAt).ShouldBe((T0.AddSeconds(30), T0.AddSeconds(30)));
    }

    [Fact]
    public async Task A_repeated_event_changes_nothing_the_second_time()
    {
        var sent = await SendAsync(ChannelKind.WhatsApp, ContactBuilder.Contact(ChannelKind.WhatsApp), T0);
        var id = sent[0].ProviderMessageId!;

        (await Updater.MarkReadAsync(ChannelKind.WhatsApp, id, T0.AddMinutes(2), CancellationToken.None)).ShouldBe(1);
        (await Updater.MarkReadAsync(ChannelKind.WhatsApp, id, T0.AddMinutes(2), CancellationToken.None)).ShouldBe(0);
        (await Updater.MarkDeliveredAsync(ChannelKind.WhatsApp, id, T0.AddMinutes(3), CancellationToken.None)).ShouldBe(0);
    }

    private static readonly Func<DeliveryStatusUpdater, string, Task>[] Events =
    [
        (u, id) => u.MarkDeliveredAsync(ChannelKind.WhatsApp, id, T0.AddMinutes(1), CancellationToken.None),
        (u, id) => u.MarkReadAsync(ChannelKind.WhatsApp, id, T0.AddMinutes(5), CancellationToken.None),
        (u, id) => u.MarkFailedAsync(ChannelKind.WhatsApp, id, ErrorType.InvalidRecipient, "131026", "Message undeliverable",
            T0.AddMinutes(2), CancellationToken.None),
        (u, id) => u.MarkDeliveredAsync(ChannelKind.WhatsApp, id, T0.AddMinutes(4), CancellationToken.None),
    ];

    public static TheoryData<int[]> Orders => new()
    {
        new[] { 0, 1, 2, 3 },
        new[] { 3, 2, 1, 0 },
        new[] { 2, 0, 3, 1 },
        new[] { 1, 3, 0, 2 },
        new[] { 2, 1, 2, 0, 3, 1 },
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Any_order_or_repetition_of_events_gives_the_same_end_state(int[] order)
    {
        var sent = await SendAsync(ChannelKind.WhatsApp, ContactBuilder.Contact(ChannelKind.WhatsApp), T0);

        foreach (var e in order)
            await Events[e](Updater, sent[0].ProviderMessageId!);

        // Earliest delivery time, the read time, and the failure overruled by the read.
        var delivery = await ReloadAsync(sent[0].Id);
        (delivery.Status, delivery.DeliveredAt, delivery.ReadAt, delivery.ErrorType, delivery.FailedAt).ShouldBe(
            (DeliveryStatus.Sent, T0.AddMinutes(1), T0.AddMinutes(5), null, null));
        await using var db = Database.CreateDbContext();
        var message = await db.Messages.SingleAsync(m => m.Id == delivery.MessageId);
        (message.SentCount, message.FailedCount).ShouldBe((1, 0));
    }

    [Fact]
    public async Task A_failed_status_fails_a_sent_delivery_with_its_error_and_moves_the_counts()
    {
        var sent = await SendAsync(ChannelKind.WhatsApp, ContactBuilder.Contact(ChannelKind.WhatsApp), T0);
        var status = new ProviderStatus(sent[0].ProviderMessageId!, ProviderStatusKind.Failed, T0.AddMinutes(1),
            new GraphError(131047, null, "Re-engagement message", "More than 24 hours have passed", null));

        (await Updater.ApplyAsync(ChannelKind.WhatsApp, status, CancellationToken.None)).ShouldBe(1);

        var delivery = await ReloadAsync(sent[0].Id);
        delivery.Status.ShouldBe(DeliveryStatus.Failed);
        delivery.ErrorType.ShouldBe(ErrorType.Permission);
        delivery.ErrorCode.ShouldBe("131047");
        delivery.ErrorMessage!.ShouldStartWith("re-engagement required");
        delivery.FailedAt.ShouldBe(T0.AddMinutes(1));
        await using var db = Database.CreateDbContext();
        var message = await db.Messages.SingleAsync(m => m.Id == delivery.MessageId);
        (message.SentCount, message.FailedCount).ShouldBe((0, 1));
    }

    [Fact]
    public async Task Events_never_touch_a_delivery_the_provider_did_not_accept_or_of_another_channel()
    {
        var contact = ContactBuilder.Contact(ChannelKind.Messenger);
        var sent = await SendAsync(ChannelKind.Messenger, contact, T0.AddMinutes(-5));
        await using (var db = Database.CreateDbContext())
            await db.Deliveries.Where(d => d.Id == sent[0].Id).ExecuteUpdateAsync(s =>
                s.SetProperty(d => d.ProviderMessageId, (string?)null).SetProperty(d => d.Status, DeliveryStatus.Failed));
        var whatsApp = await SendAsync(ChannelKind.WhatsApp, ContactBuilder.Contact(ChannelKind.WhatsApp), T0);

        (await Updater.MarkReadUpToAsync(ChannelKind.Messenger, contact.Address, T0, T0, CancellationToken.None)).ShouldBe(0);
        (await Updater.MarkReadAsync(ChannelKind.Messenger, whatsApp[0].ProviderMessageId!, T0, CancellationToken.None)).ShouldBe(0);
        (await ReloadAsync(sent[0].Id)).Status.ShouldBe(DeliveryStatus.Failed);
    }

    [Fact]
    public async Task An_inbound_message_marks_the_latest_earlier_delivery_replied_and_keeps_the_last_inbound_time()
    {
        var contact = ContactBuilder.Contact(ChannelKind.Messenger);
        var sent = await SendAsync(ChannelKind.Messenger, contact, T0.AddHours(-5), T0.AddHours(-1), T0.AddHours(1));

        var outcome = await Updater.RecordInboundAsync(ChannelKind.Messenger, contact.Address, "Thanks!", T0, CancellationToken.None);
        await Updater.RecordInboundAsync(ChannelKind.Messenger, contact.Address, "Older message arriving late",
            T0.AddHours(-2), CancellationToken.None);

        outcome.ShouldBe(new InboundOutcome(sent[1].Id, true, false));
        var replied = await ReloadAsync(sent[1].Id);
        (replied.RepliedAt, replied.ReadAt, replied.DeliveredAt).ShouldBe((T0, T0, T0));
        (await ReloadAsync(sent[2].Id)).RepliedAt.ShouldBeNull();
        await using var db = Database.CreateDbContext();
        var saved = await db.Contacts.SingleAsync(c => c.Id == contact.Id);
        saved.LastInboundAt.ShouldBe(T0);
        saved.OptedOut.ShouldBeFalse();
    }

    [Theory]
    [InlineData("STOP", true)]
    [InlineData("  stop \n", true)]
    [InlineData("Stop", true)]
    [InlineData("stop please", false)]
    [InlineData("STOPP", false)]
    public async Task Stop_opts_the_contact_out(string text, bool optsOut)
    {
        var contact = ContactBuilder.Contact(ChannelKind.WhatsApp);
        await SendAsync(ChannelKind.WhatsApp, contact, T0.AddMinutes(-1));

        var outcome = await Updater.RecordInboundAsync(ChannelKind.WhatsApp, contact.Address, text, T0, CancellationToken.None);
        var again = await Updater.RecordInboundAsync(ChannelKind.WhatsApp, contact.Address, text, T0, CancellationToken.None);

        outcome.OptedOut.ShouldBe(optsOut);
        again.OptedOut.ShouldBeFalse();
        await using var db = Database.CreateDbContext();
        (await db.Contacts.SingleAsync(c => c.Id == contact.Id)).OptedOut.ShouldBe(optsOut);
        (await db.Activity.CountAsync(a => a.Action == "contact.opted_out"
            && a.EntityId == contact.Id.ToString(CultureInfo.InvariantCulture))).ShouldBe(optsOut ? 1 : 0);
    }

    [Fact]
    public async Task An_operator_closes_a_conversation_once()
    {
        var contact = ContactBuilder.Contact(ChannelKind.Email);
        var sent = await SendAsync(ChannelKind.Email, contact, T0);
        await Updater.RecordInboundAsync(ChannelKind.Email, contact.Address, "Thanks", T0.AddHours(1), CancellationToken.None);

        (await Updater.MarkClosedAsync(sent[0].Id, T0.AddDays(1), CancellationToken.None)).ShouldBeTrue();
        (await Updater.MarkClosedAsync(sent[0].Id, T0.AddDays(2), CancellationToken.None)).ShouldBeFalse();
        (await ReloadAsync(sent[0].Id)).ClosedAt.ShouldBe(T0.AddDays(1));
    }

    [Fact]
    public async Task A_delivery_without_a_reply_has_no_conversation_to_close()
    {
        var contact = ContactBuilder.Contact(ChannelKind.Email);
        var sent = await SendAsync(ChannelKind.Email, contact, T0);
        await Updater.MarkReadAsync(ChannelKind.Email, sent[0].ProviderMessageId!, T0.AddMinutes(1), CancellationToken.None);

        (await Updater.CloseAsync(sent[0].MessageId, sent[0].Id, Actor.System,
            T0.AddDays(1), CancellationToken.None)).ShouldBe(CloseOutcome.NotReplied);
        (await Updater.MarkClosedAsync(sent[0].Id, T0.AddDays(1), CancellationToken.None)).ShouldBeFalse("the guard is in the update itself");

        (await ReloadAsync(sent[0].Id)).ClosedAt.ShouldBeNull();
        await using var db = Database.CreateDbContext();
        (await db.Activity.CountAsync(a => a.Action == ActivityActions.ConversationClosed)).ShouldBe(0);
    }
}
