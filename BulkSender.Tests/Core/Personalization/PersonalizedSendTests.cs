using BulkSender.Core.Activity;
using BulkSender.Core.Attachments;
using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
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
}
