using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Compliance;
using BulkSender.Core.Contacts;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Funnel;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Core.Funnel;

/// <summary>
/// WhatsApp reports most refusals in a failed status webhook, after it accepted the message: the error table's action
/// applies there as it does to a send's answer (not before 24 hours, suppress the contact, pause the channel).
/// </summary>
[Trait("Database", "Both")]
public sealed class FailedStatusActionsTests : ChannelServicesTest
{
    private static readonly DateTime T0 = new(2026, 12, 1, 9, 0, 0, DateTimeKind.Utc);

    private DeliveryStatusUpdater Updater => Services.GetRequiredService<DeliveryStatusUpdater>();

    private async Task<(Contact Contact, Delivery Delivery)> SentAsync()
    {
        var contact = ContactBuilder.Contact(ChannelKind.WhatsApp);
        await using var db = Database.CreateDbContext();
        var delivery = (await DeliveryBuilder.SentAsync(db, ChannelKind.WhatsApp, [contact], T0)).Deliveries.Single();
        return (contact, delivery);
    }

    private Task<int> FailAsync(Delivery delivery, int code, string message) =>
        Updater.ApplyAsync(ChannelKind.WhatsApp, new ProviderStatus(delivery.ProviderMessageId!, ProviderStatusKind.Failed, T0.AddMinutes(1),
            new GraphError(code, null, message, null, null)), CancellationToken.None);

    private async Task<Delivery> ReloadAsync(long id)
    {
        await using var db = Database.CreateDbContext();
        return await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == id);
    }

    [Fact]
    public async Task A_131049_status_fails_the_delivery_and_keeps_it_from_retries_for_24_hours()
    {
        var (_, delivery) = await SentAsync();

        (await FailAsync(delivery, 131049, "Message failed to send because of ecosystem engagement.")).ShouldBe(1);

        var failed = await ReloadAsync(delivery.Id);
        (failed.Status, failed.ErrorCode, failed.ErrorType, failed.RetryNotBefore)
            .ShouldBe((DeliveryStatus.Failed, "131049", ErrorType.Other, T0.AddMinutes(1).AddHours(24)));
        await using var db = Database.CreateDbContext();
        (await db.Deliveries.Where(d => d.Id == delivery.Id).Where(RetryRules.DueBy(T0.AddHours(24))).CountAsync()).ShouldBe(0);
        (await db.Deliveries.Where(d => d.Id == delivery.Id).Where(RetryRules.DueBy(T0.AddHours(25))).CountAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task A_131050_status_opts_the_contact_out_of_WhatsApp_with_the_reason_and_date()
    {
        var (contact, delivery) = await SentAsync();

        await FailAsync(delivery, 131050, "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages.");

        await using var db = Database.CreateDbContext();
        var stored = await db.Contacts.AsNoTracking().SingleAsync(c => c.Id == contact.Id);
        stored.OptedOut.ShouldBeTrue();
        stored.OptedOutAt.ShouldNotBeNull();
        stored.OptOutReason.ShouldNotBeNull().ShouldContain("131050");
        stored.OptOutReason.ShouldContain("stopped marketing messages");
    }

    [Fact]
    public async Task A_131048_status_pauses_the_channel_with_its_reason()
    {
        var (_, delivery) = await SentAsync();

        await FailAsync(delivery, 131048, "Spam rate limit hit");

        var pause = (await Services.GetRequiredService<ChannelPauses>().ListAsync(CancellationToken.None)).ShouldHaveSingleItem();
        (pause.Channel, pause.ErrorCode).ShouldBe((ChannelKind.WhatsApp, "131048"));
        pause.Reason.ShouldContain("the phone number is restricted");
        (await ReloadAsync(delivery.Id)).ErrorType.ShouldBe(ErrorType.RateLimit);
    }

    [Fact]
    public async Task A_131047_status_is_the_window_refusal_retried_only_once_the_contact_writes_again()
    {
        var (_, delivery) = await SentAsync();

        await FailAsync(delivery, 131047, "Re-engagement message");

        var failed = await ReloadAsync(delivery.Id);
        failed.ErrorType.ShouldBe(ErrorType.Permission);
        MessagingWindow.WaitsForInbound(failed.ErrorCode, failed.FailedAt, lastInboundAt: null).ShouldBeTrue();
        MessagingWindow.WaitsForInbound(failed.ErrorCode, failed.FailedAt, lastInboundAt: T0.AddHours(2)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_failure_after_the_message_was_delivered_changes_nothing_and_acts_on_nothing()
    {
        var (contact, delivery) = await SentAsync();
        await Updater.MarkDeliveredAsync(ChannelKind.WhatsApp, delivery.ProviderMessageId!, T0.AddSeconds(5), CancellationToken.None);

        (await FailAsync(delivery, 131050, "stopped marketing")).ShouldBe(0);

        await using var db = Database.CreateDbContext();
        (await db.Contacts.AsNoTracking().SingleAsync(c => c.Id == contact.Id)).OptedOut.ShouldBeFalse();
    }
}
