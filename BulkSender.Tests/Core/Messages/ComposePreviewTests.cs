using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Channels.WhatsApp;
using BulkSender.Core.Contacts;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Messages;

public sealed class ComposePreviewTests : IAsyncLifetime
{
    private static readonly DateTime Now = new(2026, 11, 23, 15, 30, 0, DateTimeKind.Utc);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(Now));
    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await database.DisposeAsync();

    private ComposePreview Preview => new(database, clock, new WhatsAppMessagingLimit(database, new ChannelSettingsStore(database,
        new ConfigurationBuilder().Build(), new EphemeralDataProtectionProvider(), clock, NullLogger<ChannelSettingsStore>.Instance), clock));

    private async Task<List<int>> AddAsync(params Contact[] contacts)
    {
        await using var db = database.CreateDbContext();
        db.Contacts.AddRange(contacts);
        await db.SaveChangesAsync();
        return contacts.Select(c => c.Id).ToList();
    }

    [Fact]
    public async Task A_selection_says_which_picked_contacts_the_channel_reaches_and_which_are_left_out()
    {
        var ids = await AddAsync(ContactBuilder.Contact(), ContactBuilder.Contact(), ContactBuilder.Contact(optedOut: true),
            ContactBuilder.Contact(ChannelKind.WhatsApp));

        var selection = await Preview.SelectionAsync([.. ids, 999_999], CancellationToken.None);

        selection.Count.ShouldBe(4);
        selection.Missing.ShouldBe(1);
        selection.MainChannel.ShouldBe(ChannelKind.Email);
        selection.Eligible(ChannelKind.Email).ShouldBe(ids.Take(2));
        selection.Summary(ChannelKind.Email)
            .ShouldBe("4 selected contacts: 2 on Email · 1 on other channels (left out) · 1 opted out (left out) · 1 no longer exist");
    }

    [Fact]
    public async Task Counts_are_the_channels_tags_the_recipients_and_those_outside_Messengers_window()
    {
        var recent = ContactBuilder.Contact(ChannelKind.Messenger, tags: "vip");
        recent.LastInboundAt = Now.AddHours(-2);
        var old = ContactBuilder.Contact(ChannelKind.Messenger, tags: "vip");
        old.LastInboundAt = Now.AddHours(-30);
        await AddAsync(recent, old, ContactBuilder.Contact(ChannelKind.Messenger, tags: "news"),
            ContactBuilder.Contact(ChannelKind.Messenger, optedOut: true, tags: "vip"),
            ContactBuilder.Contact(ChannelKind.Email, tags: "email-only"));
        var model = new ComposeModel { Title = "t", Content = "c", Channel = ChannelKind.Messenger, Audience = AudienceKind.Channel };

        var counts = await Preview.CountAsync(model, CancellationToken.None);

        counts.Tags.ShouldBe([new TagCount("news", 1), new TagCount("vip", 2)]);
        (counts.Recipients, counts.OutsideWindow).ShouldBe((3, 2));

        model.Audience = AudienceKind.Tag;
        (await Preview.CountAsync(model, CancellationToken.None)).Recipients.ShouldBe(0, "no tag chosen yet");
        model.AudienceTag = "vip";
        var vip = await Preview.CountAsync(model, CancellationToken.None);
        (vip.Recipients, vip.OutsideWindow).ShouldBe((2, 1));
    }

    [Fact]
    public async Task A_draft_opens_as_its_form_with_its_picked_contacts_and_a_sent_message_does_not()
    {
        var ids = await AddAsync(ContactBuilder.Contact(), ContactBuilder.Contact());
        int draftId, sentId;
        await using (var db = database.CreateDbContext())
        {
            var draft = new Message { Title = "Draft", Content = "Hi", Channel = ChannelKind.Email, Status = MessageStatus.Draft, MaxAttempts = 2 };
            var sent = new Message { Title = "Sent", Content = "Hi", Channel = ChannelKind.Email, Status = MessageStatus.Sent, MaxAttempts = 2 };
            db.Messages.AddRange(draft, sent);
            await db.SaveChangesAsync();
            (draftId, sentId) = (draft.Id, sent.Id);
            db.DraftRecipients.AddRange(ids.Select(id => new DraftRecipient { MessageId = draftId, ContactId = id }));
            await db.SaveChangesAsync();
        }

        var model = await Preview.DraftAsync(draftId, CancellationToken.None);

        model.ShouldNotBeNull();
        (model.Title, model.MaxAttempts).ShouldBe(("Draft", 2));
        model.ContactIds.Order().ShouldBe(ids.Order());
        (await Preview.DraftAsync(sentId, CancellationToken.None)).ShouldBeNull();
    }
}
