using BulkSender.Core.Campaigns;
using BulkSender.Core.Channels;
using BulkSender.Core.Dashboard;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Dashboard;

public sealed class DashboardQueriesTests : IAsyncLifetime
{
    private static readonly DateTime Now = new(2026, 11, 23, 15, 30, 0, DateTimeKind.Utc);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(Now));
    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await database.DisposeAsync();

    private static Message NewMessage(ChannelKind channel, MessageStatus status = MessageStatus.Sent, DateTime? scheduledAt = null) => new()
    {
        Title = $"{channel} {status}", Content = "Hello", Channel = channel, Status = status, ScheduledAt = scheduledAt,
        MaxAttempts = 3, CreatedAt = Now.AddDays(-10),
    };

    private static Delivery Sent(int messageId, DateTime at) => new()
    {
        MessageId = messageId, RecipientAddress = "x", Status = DeliveryStatus.Sent, SentAt = at, CreatedAt = at,
    };

    private static Delivery Failed(int messageId, DateTime at) => new()
    {
        MessageId = messageId, RecipientAddress = "x", Status = DeliveryStatus.Failed, FailedAt = at, CreatedAt = at, ErrorType = ErrorType.Network,
    };

    private static Delivery FailedFor(int messageId, int contactId, ErrorType type = ErrorType.Network)
    {
        var delivery = Failed(messageId, Now.AddHours(-1));
        delivery.ContactId = contactId;
        delivery.ErrorType = type;
        return delivery;
    }

    private static Delivery SentFor(int messageId, int contactId, int attempt)
    {
        var delivery = Sent(messageId, Now);
        delivery.ContactId = contactId;
        delivery.AttemptNumber = attempt;
        return delivery;
    }

    [Fact]
    public async Task Headline_counts_are_reachable_and_opted_out_contacts_messages_other_than_drafts_and_active_campaigns()
    {
        await using (var db = database.CreateDbContext())
        {
            db.Contacts.AddRange(ContactBuilder.Contact(), ContactBuilder.Contact(ChannelKind.WhatsApp), ContactBuilder.Contact(optedOut: true));
            var campaignMessage = NewMessage(ChannelKind.Email, MessageStatus.PartiallySent);
            db.Messages.AddRange(NewMessage(ChannelKind.Email), NewMessage(ChannelKind.Email, MessageStatus.Draft), campaignMessage);
            await db.SaveChangesAsync();
            db.Campaigns.Add(new Campaign { MessageId = campaignMessage.Id, DailyLimit = 10, StartAt = Now, Status = CampaignStatus.Active });
            await db.SaveChangesAsync();
        }

        var counts = await new DashboardQueries(database, clock).CountsAsync(CancellationToken.None);

        counts.ShouldBe(new DashboardCounts(ActiveContacts: 2, OptedOut: 1, Messages: 2, ActiveCampaigns: 1));
    }

    [Fact]
    public async Task Counts_today_and_the_last_seven_days_per_channel_and_day()
    {
        await using (var db = database.CreateDbContext())
        {
            var email = NewMessage(ChannelKind.Email);
            var whatsapp = NewMessage(ChannelKind.WhatsApp);
            db.Messages.AddRange(email, whatsapp);
            await db.SaveChangesAsync();
            db.Deliveries.AddRange(
                Sent(email.Id, Now.AddHours(-1)), Sent(email.Id, Now.AddHours(-2)), Failed(email.Id, Now.AddHours(-3)),
                Sent(whatsapp.Id, Now.AddDays(-1)), Failed(whatsapp.Id, Now.AddDays(-6).Date),
                Sent(email.Id, Now.AddDays(-7)), // outside the window
                new() { MessageId = email.Id, RecipientAddress = "x", Status = DeliveryStatus.Pending, CreatedAt = Now });
            await db.SaveChangesAsync();
        }

        var summary = await new DashboardQueries(database, clock).SummaryAsync(CancellationToken.None);

        summary.Today.ShouldBe(new SendTotals(2, 1));
        summary.Today.SuccessRate.ShouldBe(66.7);
        summary.LastSevenDays.ShouldBe(new SendTotals(3, 2));
        summary.Daily.Count.ShouldBe(7 * 3);
        summary.Daily.Single(d => d.Day == new DateOnly(2026, 11, 22) && d.Channel == ChannelKind.WhatsApp).Sent.ShouldBe(1);
        summary.Daily.Single(d => d.Day == new DateOnly(2026, 11, 17) && d.Channel == ChannelKind.WhatsApp).Failed.ShouldBe(1);
        summary.Daily.Min(d => d.Day).ShouldBe(new DateOnly(2026, 11, 17));
    }

    [Fact]
    public async Task No_attempts_means_no_success_rate_rather_than_zero()
    {
        var summary = await new DashboardQueries(database, clock).SummaryAsync(CancellationToken.None);

        summary.Today.SuccessRate.ShouldBeNull();
        summary.Upcoming.ShouldBeEmpty();
    }

    [Fact]
    public async Task Upcoming_lists_scheduled_sends_and_campaign_batches_soonest_first()
    {
        await using (var db = database.CreateDbContext())
        {
            var later = NewMessage(ChannelKind.Email, MessageStatus.Scheduled, Now.AddHours(5));
            var soon = NewMessage(ChannelKind.Messenger, MessageStatus.Scheduled, Now.AddHours(1));
            var campaignMessage = NewMessage(ChannelKind.WhatsApp, MessageStatus.Sending);
            db.Messages.AddRange(later, soon, campaignMessage);
            await db.SaveChangesAsync();
            db.Campaigns.Add(new Campaign
            {
                MessageId = campaignMessage.Id, DailyLimit = 5, Status = CampaignStatus.Active, StartAt = Now.AddDays(-1),
                NextBatchAt = Now.AddHours(3), CreatedAt = Now,
            });
            db.Deliveries.AddRange(Enumerable.Range(0, 7)
                .Select(_ => new Delivery { MessageId = campaignMessage.Id, RecipientAddress = "x", CreatedAt = Now }));
            await db.SaveChangesAsync();
        }

        var upcoming = (await new DashboardQueries(database, clock).SummaryAsync(CancellationToken.None)).Upcoming;

        upcoming.Select(u => (u.Kind, u.DueAt)).ShouldBe([
            ("Scheduled send", Now.AddHours(1)), ("Campaign batch", Now.AddHours(3)), ("Scheduled send", Now.AddHours(5))]);
        upcoming[1].Remaining.ShouldBe(7);
    }

    [Fact]
    public async Task Sends_in_flight_are_the_running_ones_and_the_cancelled_ones_still_stopping()
    {
        await using (var db = database.CreateDbContext())
        {
            db.Messages.AddRange(
                NewMessage(ChannelKind.Email, MessageStatus.Sending),
                NewMessage(ChannelKind.WhatsApp, MessageStatus.Sent));
            var running = NewMessage(ChannelKind.Messenger, MessageStatus.Sending);
            running.TotalRecipients = 250;
            running.SentCount = 90;
            running.FailedCount = 10;
            var stopping = NewMessage(ChannelKind.Email, MessageStatus.Cancelled);
            var stopped = NewMessage(ChannelKind.Email, MessageStatus.Cancelled);
            stopped.CompletedAt = Now;
            db.Messages.AddRange(running, stopping, stopped, NewMessage(ChannelKind.Email, MessageStatus.Scheduled, Now.AddHours(1)));
            await db.SaveChangesAsync();
        }

        var inFlight = (await new DashboardQueries(database, clock).SummaryAsync(CancellationToken.None)).InFlight;

        inFlight.Select(s => s.Title).Order().ShouldBe(["Email Cancelled", "Email Sending", "Messenger Sending"]);
        var messenger = inFlight.Single(s => s.Channel == ChannelKind.Messenger);
        (messenger.Processed, messenger.TotalRecipients).ShouldBe((100, 250));
    }

    [Fact]
    public async Task Retry_queue_lists_messages_with_retryable_recipients_by_the_retry_rules_next_retry_first()
    {
        int manual, scheduled;
        await using (var db = database.CreateDbContext())
        {
            var contacts = ContactBuilder.Many(4);
            contacts[3].OptedOut = true;
            db.Contacts.AddRange(contacts);
            var manualMessage = NewMessage(ChannelKind.Email, MessageStatus.PartiallySent);
            var scheduledMessage = NewMessage(ChannelKind.Email, MessageStatus.PartiallySent);
            scheduledMessage.RetryPolicy = RetryPolicyType.Scheduled;
            scheduledMessage.NextRetryAt = Now.AddMinutes(12);
            var onlyInvalid = NewMessage(ChannelKind.Email, MessageStatus.Failed);
            var exhausted = NewMessage(ChannelKind.Email, MessageStatus.Failed);
            exhausted.MaxAttempts = 1;
            var optedOut = NewMessage(ChannelKind.Email, MessageStatus.Failed);
            var succeededLater = NewMessage(ChannelKind.Email, MessageStatus.Sent);
            db.Messages.AddRange(manualMessage, scheduledMessage, onlyInvalid, exhausted, optedOut, succeededLater);
            foreach (var m in new[] { manualMessage, scheduledMessage, onlyInvalid, exhausted, optedOut, succeededLater })
                m.FailedCount = 1;
            await db.SaveChangesAsync();
            db.Deliveries.AddRange(
                FailedFor(manualMessage.Id, contacts[0].Id), FailedFor(manualMessage.Id, contacts[1].Id),
                FailedFor(scheduledMessage.Id, contacts[0].Id),
                FailedFor(onlyInvalid.Id, contacts[0].Id, ErrorType.InvalidRecipient),
                FailedFor(exhausted.Id, contacts[0].Id),
                FailedFor(optedOut.Id, contacts[3].Id),
                FailedFor(succeededLater.Id, contacts[2].Id),
                SentFor(succeededLater.Id, contacts[2].Id, attempt: 2));
            await db.SaveChangesAsync();
            manual = manualMessage.Id;
            scheduled = scheduledMessage.Id;
        }

        var queue = (await new DashboardQueries(database, clock).SummaryAsync(CancellationToken.None)).RetryQueue;

        queue.Select(q => (q.MessageId, q.Retryable)).ShouldBe([(scheduled, 1), (manual, 2)]);
        queue[0].NextRetryAt.ShouldBe(Now.AddMinutes(12));
        queue[0].Policy.ShouldBe(RetryPolicyType.Scheduled);
    }
}
