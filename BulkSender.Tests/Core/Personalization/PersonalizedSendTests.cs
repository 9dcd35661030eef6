using BulkSender.Core.Activity;
using BulkSender.Core.Attachments;
using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.Core.Attachments;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Core.Personalization;

/// <summary>Personalized text and the message's attachment through the real send pipeline, its retries included.</summary>
public sealed class PersonalizedSendTests
{
    [Fact]
    public async Task Each_recipient_gets_their_own_text_and_a_retry_sends_the_same_attachment_again()
    {
        await using var host = await CoreHost.StartAsync(contacts: 300, settings: new Dictionary<string, string?>
        {
            ["Channels:Simulated:FailureRates:Network"] = "0.3",
        });
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 40);
        await using (var db = host.NewDbContext())
        {
            db.ContactFieldDefinitions.Add(new ContactFieldDefinition { Key = "city", Label = "City", CreatedAt = DateTime.UtcNow });
            db.ContactFieldValues.AddRange(ids.Select(id => new ContactFieldValue { ContactId = id, FieldKey = "city", Value = $"Town{id}" }));
            await db.SaveChangesAsync();
        }
        var upload = await host.Services.GetRequiredService<AttachmentStore>()
            .SaveAsync(AttachmentRulesTests.Png, "offer.png", Actor.System, CancellationToken.None);
        var model = CoreHost.Compose(ChannelKind.Email, ids);
        model.Content = "Hi {{ first_name | default: \"there\" }} from {{ city }}";
        model.AttachmentId = upload.Attachment!.Id;
        model.MaxAttempts = 3;

        var messageId = await host.SendAsync(model);
        await host.RunEnqueuedAsync(workers: 2);
        var first = host.Provider.ForMessage(messageId);
        first.Count.ShouldBe(40);
        first.Select(s => s.Text).Distinct().Count().ShouldBe(40);
        await using (var db = host.NewDbContext())
        {
            var contacts = await db.Contacts.Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Address);
            first.ShouldAllBe(s => s.Text == $"Hi {contacts[s.Address].Name.Split(' ', StringSplitOptions.None)[0]} " +
                $"from Town{contacts[s.Address].Id}");
        }
        first.ShouldAllBe(s => s.Attachment == "offer.png");
        var failed = first.Count(s => !s.Succeeded);
        failed.ShouldBeGreaterThan(0);

        (await host.Services.GetRequiredService<RetryPlanner>()
            .RetryAsync(messageId, RetryRequest.All, Actor.System, RetryTrigger.Manual, CancellationToken.None)).Started.ShouldBeTrue();
        await host.RunEnqueuedAsync();

        var retried = host.Provider.ForMessage(messageId).Where(s => s.AttemptNumber == 2).ToList();
        retried.Count.ShouldBe(failed);
        retried.ShouldAllBe(s => s.Attachment == "offer.png" && s.Text!.StartsWith("Hi ", StringComparison.Ordinal));
    }

    /// <summary>
    /// Three e-mail recipients, the second with a 1,000-character note: 19,500 characters of text and the note make 20,500
    /// for that one, over e-mail's 20,000. Returns the message and the long one's contact.
    /// </summary>
    private static async Task<(int MessageId, int LongOne)> SendWithOneTooLongAsync(CoreHost host)
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 3);
        var longOne = ids[1];
        await using (var db = host.NewDbContext())
        {
            db.ContactFieldDefinitions.Add(new ContactFieldDefinition { Key = "note", Label = "Note", CreatedAt = DateTime.UtcNow });
            db.ContactFieldValues.Add(new ContactFieldValue { ContactId = longOne, FieldKey = "note", Value = new string('x', 1000) });
            await db.SaveChangesAsync();
        }
        var model = CoreHost.Compose(ChannelKind.Email, ids);
        model.Content = new string('a', 19_500) + "{{ note }}";
        var messageId = await host.SendAsync(model);
        await host.RunEnqueuedAsync();
        return (messageId, longOne);
    }

    [Fact]
    public async Task A_recipient_whose_personalized_text_is_over_the_channel_limit_fails_as_other_and_the_provider_is_not_called()
    {
        await using var host = await CoreHost.StartAsync(contacts: 300);
        var (messageId, longOne) = await SendWithOneTooLongAsync(host);

        host.Provider.ForMessage(messageId).Count.ShouldBe(2, "the provider is not called for the long one");
        var failed = (await host.DeliveriesAsync(messageId)).Single(d => d.Status == DeliveryStatus.Failed);
        failed.ContactId.ShouldBe(longOne);
        (failed.ErrorType, failed.ErrorCode).ShouldBe((ErrorType.Other, "personalized_too_long"));
        failed.ErrorMessage.ShouldBe("The personalized content is 20,500 characters for this recipient; E-mail accepts at most 20,000.");
    }

    /// <summary>
    /// The text is rendered before the channel's limits are taken: a recipient that fails for it uses none of the day's
    /// allowance (nor a WhatsApp messaging-limit unit, nor a rate-limiter slot, which come after). With 2 a day, the two
    /// others both go; before, the long one took a unit and one of them waited for the next day.
    /// </summary>
    [Fact]
    public async Task A_recipient_whose_personalized_text_is_too_long_uses_none_of_the_days_allowance()
    {
        await using var host = await CoreHost.StartAsync(contacts: 300,
            settings: new Dictionary<string, string?> { ["Channels:Email:DailyLimit"] = "2" });
        var (messageId, longOne) = await SendWithOneTooLongAsync(host);

        host.Provider.ForMessage(messageId).Count.ShouldBe(2, "the day's two units went to the two that could be sent");
        var deliveries = await host.DeliveriesAsync(messageId);
        deliveries.Single(d => d.ContactId == longOne).Status.ShouldBe(DeliveryStatus.Failed);
        deliveries.Where(d => d.ContactId != longOne).ShouldAllBe(d => d.Status == DeliveryStatus.Sent);
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.PartiallySent, "two sent, one failed: nothing waits for the next day");
    }
}
