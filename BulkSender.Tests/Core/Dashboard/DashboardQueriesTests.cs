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
            db.Campaigns.Add(new Campaign { MessageId = campaignMessage.Id, DailyLimit = 5, Status = CampaignStatus.Active, StartAt = Now.AddDays(-1), NextBatchAt = Now.AddHours(3), CreatedAt = Now });
            db.Deliveries.AddRange(Enumerable.Range(0, 7).Select(_ => new Delivery { MessageId = campaignMessage.Id, RecipientAddress = "x", CreatedAt = Now }));
            await db.SaveChangesAsync();
        }

        var upcoming = (await new DashboardQueries(database, clock).SummaryAsync(CancellationToken.None)).Upcoming;

        upcoming.Select(u => (u.Kind, u.DueAt)).ShouldBe([
            ("Scheduled send", Now.AddHours(1)), ("Campaign batch", Now.AddHours(3)), ("Scheduled send", Now.AddHours(5))]);
        upcoming[1].Remaining.ShouldBe(7);
    }
}
