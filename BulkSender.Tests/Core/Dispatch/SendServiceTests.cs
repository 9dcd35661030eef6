using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Jobs;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Core.Dispatch;

/// <summary>Creating a send: one transaction for the message, its deliveries and batches, then one job per batch.</summary>
[Trait("Database", "Both")]
public sealed class SendServiceTests : IAsyncLifetime
{
    private CoreHost host = null!;

    public async Task InitializeAsync() => host = await CoreHost.StartAsync(contacts: 900);

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_selection_of_250_contacts_becomes_3_batches_of_100_100_and_50_whose_counts_add_up()
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 250);
        ids.Count.ShouldBe(250);

        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, ids));

        var batches = await host.BatchesAsync(messageId);
        batches.Select(b => b.RecipientCount).ShouldBe([100, 100, 50]);
        batches.Select(b => b.Number).ShouldBe([1, 2, 3]);
        batches.ShouldAllBe(b => b.Status == BatchStatus.Pending && b.AttemptNumber == 1 && b.DueAt == null);
        var deliveries = await host.DeliveriesAsync(messageId);
        deliveries.Select(d => d.ContactId!.Value).Order().ShouldBe(ids.Order());
        deliveries.ShouldAllBe(d => d.Status == DeliveryStatus.Pending && d.AttemptNumber == 1);
        foreach (var batch in batches)
            deliveries.Count(d => d.BatchId == batch.Id).ShouldBe(batch.RecipientCount);
        var message = await host.MessageAsync(messageId);
        (message.Status, message.TotalRecipients, message.BatchCount, message.CreatedByName)
            .ShouldBe((MessageStatus.Sending, 250, 3, "tester@test.local"));
        host.Jobs.Enqueued.ShouldBe(batches.Select(b => (b.Id, JobQueues.Dispatch)));

        await host.RunEnqueuedAsync();

        batches = await host.BatchesAsync(messageId);
        batches.ShouldAllBe(b => b.Status == BatchStatus.Completed && b.SentCount + b.FailedCount == b.RecipientCount);
        message = await host.MessageAsync(messageId);
        message.SentCount.ShouldBe(batches.Sum(b => b.SentCount));
        message.FailedCount.ShouldBe(batches.Sum(b => b.FailedCount));
        (message.SentCount + message.FailedCount).ShouldBe(250);
        host.Provider.ForMessage(messageId).Count.ShouldBe(250);
    }

    [Fact]
    public async Task A_channel_audience_reaches_every_active_contact_of_the_channel_and_no_opted_out_one()
    {
        await using var db = host.NewDbContext();
        var active = await db.Contacts.Where(c => c.Channel == ChannelKind.WhatsApp && !c.OptedOut).Select(c => c.Id).ToListAsync();
        var optedOut = await db.Contacts.Where(c => c.Channel == ChannelKind.WhatsApp && c.OptedOut).Select(c => c.Id).ToListAsync();
        optedOut.ShouldNotBeEmpty("the demo data has opted-out contacts on every channel");

        var messageId = await host.SendAsync(
            new ComposeModel { Title = "All", Content = "Hi", Channel = ChannelKind.WhatsApp, Audience = AudienceKind.Channel });

        var deliveries = await host.DeliveriesAsync(messageId);
        deliveries.Select(d => d.ContactId!.Value).Order().ShouldBe(active.Order());
        (await host.BatchesAsync(messageId)).Count.ShouldBe((active.Count + 99) / 100);
        (await Recipients.Of(new ComposeModel { Channel = ChannelKind.WhatsApp, Audience = AudienceKind.Channel }).CountAsync(db, default))
            .ShouldBe(active.Count, "the compose page's live count uses the same condition");
    }

    [Fact]
    public async Task A_tag_audience_reaches_only_active_contacts_of_the_channel_with_the_tag()
    {
        await using var db = host.NewDbContext();
        var expected = await db.Contacts.Where(c => c.Channel == ChannelKind.Messenger && !c.OptedOut && c.Tags.Any(t => t.Tag == "vip"))
            .Select(c => c.Id).ToListAsync();

        var messageId = await host.SendAsync(new ComposeModel
        {
            Title = "VIP", Content = "Hi", Channel = ChannelKind.Messenger, Audience = AudienceKind.Tag, AudienceTag = "vip",
        });

        (await host.DeliveriesAsync(messageId)).Select(d => d.ContactId!.Value).Order().ShouldBe(expected.Order());
        var message = await host.MessageAsync(messageId);
        (message.Audience, message.AudienceTag, message.MessageTag).ShouldBe((AudienceKind.Tag, "vip", null));
    }

    [Fact]
    public async Task The_server_refuses_a_selection_of_more_than_2000_contacts_and_saves_nothing()
    {
        var outcome = await host.Sends.SaveAsync(CoreHost.Compose(ChannelKind.Email, Enumerable.Range(1, 2001)), null, new Actor(null, null),
            default);

        outcome.Succeeded.ShouldBeFalse();
        outcome.Errors[nameof(ComposeModel.ContactIds)].ShouldBe(["Select at most 2,000 contacts: this selection has 2,001."]);
        await using var db = host.NewDbContext();
        (await db.Messages.CountAsync()).ShouldBe(0);
        host.Jobs.Enqueued.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_server_refuses_unknown_opted_out_and_other_channel_contacts_saying_how_many()
    {
        await using var db = host.NewDbContext();
        var optedOut = await db.Contacts.Where(c => c.Channel == ChannelKind.Email && c.OptedOut).Select(c => c.Id).Take(1).ToListAsync();
        var whatsApp = await host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 3);
        var good = await host.ActiveContactIdsAsync(ChannelKind.Email, 10);

        var outcome = await host.Sends.SaveAsync(CoreHost.Compose(ChannelKind.Email, [.. good, .. optedOut, .. whatsApp, 900_001, 900_002]),
            null, new Actor(null, null), default);

        outcome.Errors[nameof(ComposeModel.ContactIds)].ShouldBe([
            "2 selected contacts do not exist; 1 selected contact has opted out; 3 selected contacts are not Email contacts. " +
            "Remove them from the selection and try again."]);
        (await db.Messages.CountAsync()).ShouldBe(0);
        (await db.Deliveries.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task An_audience_with_nobody_in_it_is_refused_and_nothing_is_saved()
    {
        var outcome = await host.Sends.SaveAsync(new ComposeModel
        {
            Title = "Nobody", Content = "Hi", Channel = ChannelKind.Email, Audience = AudienceKind.Tag, AudienceTag = "no-such-tag",
        }, null, new Actor(null, null), default);

        outcome.Errors.Keys.ShouldBe(["Recipients"]);
        await using var db = host.NewDbContext();
        (await db.Messages.CountAsync()).ShouldBe(0);
        (await db.Batches.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task A_draft_has_no_deliveries_and_can_be_reopened_edited_and_sent()
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 120);
        var draft = CoreHost.Compose(ChannelKind.Email, ids, "Draft title");
        draft.When = SendTiming.Draft;
        draft.Content = "";

        var saved = await host.Sends.SaveAsync(draft, null, new Actor("u1", "op"), default);

        saved.Status.ShouldBe(MessageStatus.Draft);
        (await host.DeliveriesAsync(saved.MessageId)).ShouldBeEmpty();
        (await host.BatchesAsync(saved.MessageId)).ShouldBeEmpty();
        host.Jobs.Enqueued.ShouldBeEmpty();

        await using (var db = host.NewDbContext())
        {
            var message = await db.Messages.SingleAsync(m => m.Id == saved.MessageId);
            var kept = await db.DraftRecipients.Where(r => r.MessageId == saved.MessageId).Select(r => r.ContactId).ToListAsync();
            var reopened = ComposeModel.From(message, kept);
            reopened.Title.ShouldBe("Draft title");
            reopened.ContactIds.Order().ShouldBe(ids.Order());

            reopened.Content = "Now it has content";
            reopened.ContactIds = ids.Take(101).ToList();
            reopened.When = SendTiming.Now;
            var sent = await host.Sends.SaveAsync(reopened, saved.MessageId, new Actor("u1", "op"), default);

            sent.Errors.ShouldBeEmpty();
            (sent.MessageId, sent.Status, sent.Recipients, sent.Batches).ShouldBe((saved.MessageId, MessageStatus.Sending, 101, 2));
            (await db.DraftRecipients.CountAsync()).ShouldBe(0);
        }
        (await host.MessageAsync(saved.MessageId)).Content.ShouldBe("Now it has content");
        host.Jobs.Enqueued.Count.ShouldBe(2);

        var again = await host.Sends.SaveAsync(CoreHost.Compose(ChannelKind.Email, ids), saved.MessageId, new Actor(null, null), default);
        again.Errors.Keys.ShouldBe([""]);
    }

    [Fact]
    public async Task The_retry_policy_defaults_come_from_the_admin_settings_then_configuration()
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 2);
        var fromConfiguration = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, ids.Take(1)));
        await using (var db = host.NewDbContext())
        {
            db.Settings.Add(new BulkSender.Core.Settings.Setting { Key = BulkSender.Core.Retries.RetryDefaults.PolicyKey, Value = "Scheduled" });
            db.Settings.Add(new BulkSender.Core.Settings.Setting { Key = BulkSender.Core.Retries.RetryDefaults.MaxAttemptsKey, Value = "7" });
            await db.SaveChangesAsync();
        }
        var fromSettings = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, ids.Skip(1)));
        var chosen = CoreHost.Compose(ChannelKind.Email, ids);
        (chosen.RetryPolicy, chosen.MaxAttempts) = (BulkSender.Core.Retries.RetryPolicyType.Immediate, 2);
        var explicitly = await host.SendAsync(chosen);

        var configured = await host.MessageAsync(fromConfiguration);
        (configured.RetryPolicy, configured.MaxAttempts).ShouldBe((BulkSender.Core.Retries.RetryPolicyType.Manual, 3));
        var set = await host.MessageAsync(fromSettings);
        (set.RetryPolicy, set.MaxAttempts).ShouldBe((BulkSender.Core.Retries.RetryPolicyType.Scheduled, 7));
        var own = await host.MessageAsync(explicitly);
        (own.RetryPolicy, own.MaxAttempts).ShouldBe((BulkSender.Core.Retries.RetryPolicyType.Immediate, 2));
    }

    [Fact]
    public async Task A_scheduled_send_writes_its_batches_due_at_its_time_and_enqueues_nothing_yet()
    {
        // To the second, as people schedule: PostgreSQL keeps microseconds, not .NET's 100 ns ticks.
        var now = DateTime.UtcNow;
        var at = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc).AddHours(3);
        var model = CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 150));
        model.When = SendTiming.At;
        model.ScheduledAt = at;

        var messageId = await host.SendAsync(model);

        var message = await host.MessageAsync(messageId);
        (message.Status, message.ScheduledAt, message.StartedAt).ShouldBe((MessageStatus.Scheduled, at, (DateTime?)null));
        (await host.BatchesAsync(messageId)).ShouldAllBe(b => b.DueAt == at && b.Status == BatchStatus.Pending);
        (await host.DeliveriesAsync(messageId)).Count.ShouldBe(150);
        host.Jobs.Enqueued.ShouldBeEmpty();
    }
}
