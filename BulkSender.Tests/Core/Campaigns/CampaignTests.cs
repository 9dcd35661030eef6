using BulkSender.Core.Activity;
using BulkSender.Core.Campaigns;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Campaigns;

/// <summary>Campaign days on a fake clock: cut once a day from the database's NextBatchAt, through the normal batch job.</summary>
[Trait("Database", "Both")]
public sealed class CampaignTests : IAsyncLifetime
{
    private static readonly DateTime Start = new(2026, 11, 23, 9, 0, 0, DateTimeKind.Utc);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(Start));
    private readonly Actor sender = new("test-user", "tester@test.local");
    private CoreHost host = null!;

    public async Task InitializeAsync() => host = await CoreHost.StartAsync(contacts: 120, clock: clock);

    public async Task DisposeAsync() => await host.DisposeAsync();


    private async Task<(int CampaignId, int MessageId)> CreateAsync(int contacts, int dailyLimit, DateTime? startAt = null)
    {
        var model = CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, contacts), "Campaign");
        model.When = SendTiming.Campaign;
        model.DailyLimit = dailyLimit;
        model.ScheduledAt = startAt;
        var outcome = await host.Sends.SaveAsync(model, null, sender, CancellationToken.None);
        outcome.Errors.ShouldBeEmpty();
        outcome.CampaignId.ShouldNotBeNull();
        await host.RunEnqueuedAsync();
        return (outcome.CampaignId.Value, outcome.MessageId);
    }

    private async Task<Campaign> CampaignAsync(int id)
    {
        await using var db = host.NewDbContext();
        return await db.Campaigns.AsNoTracking().Include(c => c.Days).SingleAsync(c => c.Id == id);
    }

    [Fact]
    public async Task Twelve_contacts_at_five_a_day_go_out_as_5_5_2_on_three_consecutive_days_then_the_campaign_is_completed()
    {
        var (campaignId, messageId) = await CreateAsync(12, 5);
        (await host.BatchesAsync(messageId)).Select(b => b.RecipientCount).ShouldBe([5]);
        (await CampaignAsync(campaignId)).NextBatchAt.ShouldBe(Start.AddHours(24));

        clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(1));
        await host.ReconcileAsync();
        (await host.BatchesAsync(messageId)).Count.ShouldBe(1, "a day is not cut before its time");

        clock.Advance(TimeSpan.FromMinutes(1));
        await host.ReconcileAsync();
        await host.ReconcileAsync();
        (await host.BatchesAsync(messageId)).Select(b => b.RecipientCount).ShouldBe([5, 5], "a day is cut once, however often reconciliation runs");
        (await CampaignAsync(campaignId)).Status.ShouldBe(CampaignStatus.Active);

        clock.Advance(TimeSpan.FromHours(24));
        await host.ReconcileAsync();

        var batches = await host.BatchesAsync(messageId);
        batches.Select(b => b.RecipientCount).ShouldBe([5, 5, 2]);
        batches.Select(b => b.Number).ShouldBe([1, 2, 3]);
        batches.ShouldAllBe(b => b.Status == BatchStatus.Completed);
        var campaign = await CampaignAsync(campaignId);
        campaign.Status.ShouldBe(CampaignStatus.Completed);
        campaign.NextBatchAt.ShouldBeNull();
        campaign.Days.OrderBy(d => d.DayNumber).Select(d => d.ReleasedAt).ShouldBe([Start, Start.AddDays(1), Start.AddDays(2)]);
        campaign.Days.OrderBy(d => d.DayNumber).Select(d => d.RemainingAfter).ShouldBe([7, 2, 0]);

        var deliveries = await host.DeliveriesAsync(messageId);
        deliveries.Count.ShouldBe(12);
        deliveries.Select(d => d.ContactId).Distinct().Count().ShouldBe(12, "no contact is sent the campaign twice");
        deliveries.ShouldAllBe(d => d.Status == DeliveryStatus.Sent && d.BatchId != null);
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sent);

        clock.Advance(TimeSpan.FromDays(3));
        await host.ReconcileAsync();
        (await host.BatchesAsync(messageId)).Count.ShouldBe(3);

        var queries = host.Services.GetRequiredService<CampaignQueries>();
        var row = (await queries.ListAsync(CancellationToken.None)).ShouldHaveSingleItem();
        (row.Processed, row.Failed, row.Remaining, row.DailyLimit, row.Status).ShouldBe((12, 0, 0, 5, CampaignStatus.Completed));
        (await queries.ForMessageAsync(messageId, CancellationToken.None)).ShouldBe(row);
        (await queries.DaysAsync(campaignId, CancellationToken.None)).Select(d => (d.DayNumber, d.BatchNumber, d.Sent, d.RemainingAfter))
            .ShouldBe([(1, 1, 5, 7), (2, 2, 5, 2), (3, 3, 2, 0)]);
    }

    [Fact]
    public async Task A_campaign_with_a_start_time_waits_for_it()
    {
        var (campaignId, messageId) = await CreateAsync(12, 5, Start.AddHours(3));
        (await host.BatchesAsync(messageId)).ShouldBeEmpty();
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Scheduled);
        clock.Advance(TimeSpan.FromHours(2));
        await host.ReconcileAsync();
        (await host.BatchesAsync(messageId)).ShouldBeEmpty();

        clock.Advance(TimeSpan.FromHours(1));
        await host.ReconcileAsync();
        (await host.BatchesAsync(messageId)).Select(b => (b.RecipientCount, b.Status)).ShouldBe([(5, BatchStatus.Completed)]);
        (await CampaignAsync(campaignId)).NextBatchAt.ShouldBe(Start.AddHours(27));
    }

    [Fact]
    public async Task Pausing_skips_days_and_resuming_sends_the_next_batch_from_now()
    {
        var (campaignId, messageId) = await CreateAsync(12, 5);
        var campaigns = host.Services.GetRequiredService<CampaignService>();
        var actor = new Actor("test-user", "tester@test.local");
        (await campaigns.PauseAsync(campaignId, actor, CancellationToken.None)).ShouldBe(CampaignChange.Done);
        (await campaigns.PauseAsync(campaignId, actor, CancellationToken.None)).ShouldBe(CampaignChange.NotAllowed);

        clock.Advance(TimeSpan.FromDays(2));
        await host.ReconcileAsync();
        (await host.BatchesAsync(messageId)).Count.ShouldBe(1, "paused days are skipped");
        (await CampaignAsync(campaignId)).Status.ShouldBe(CampaignStatus.Paused);

        (await campaigns.ResumeAsync(campaignId, actor, CancellationToken.None)).ShouldBe(CampaignChange.Done);
        await host.RunEnqueuedAsync();
        (await host.BatchesAsync(messageId)).Select(b => b.RecipientCount).ShouldBe([5, 5]);
        var campaign = await CampaignAsync(campaignId);
        campaign.Days.Max(d => d.ReleasedAt).ShouldBe(Start.AddDays(2));
        campaign.NextBatchAt.ShouldBe(Start.AddDays(3));

        await using var db = host.NewDbContext();
        (await db.Activity.Where(a => a.EntityType == nameof(Campaign)).Select(a => a.Action).ToListAsync())
            .ShouldBe([ActivityActions.CampaignCreated, ActivityActions.CampaignPaused, ActivityActions.CampaignResumed], ignoreOrder: true);
    }

    [Fact]
    public async Task Resuming_on_the_day_of_the_last_batch_waits_for_24_hours_after_it()
    {
        var (campaignId, messageId) = await CreateAsync(12, 5);
        var campaigns = host.Services.GetRequiredService<CampaignService>();
        await campaigns.PauseAsync(campaignId, Actor.System, CancellationToken.None);
        clock.Advance(TimeSpan.FromHours(2));
        await campaigns.ResumeAsync(campaignId, Actor.System, CancellationToken.None);
        await host.RunEnqueuedAsync();
        (await host.BatchesAsync(messageId)).Count.ShouldBe(1);
        (await CampaignAsync(campaignId)).NextBatchAt.ShouldBe(Start.AddHours(24));
    }

    [Fact]
    public async Task A_restart_between_day_1_and_day_2_keeps_the_schedule_and_cuts_no_day_twice()
    {
        var (campaignId, messageId) = await CreateAsync(12, 5);
        host = await host.RestartAsync(clock); // The in-memory job storage, with day 2's scheduled job, is gone.

        clock.Advance(TimeSpan.FromHours(12));
        await host.ReconcileAsync();
        (await host.BatchesAsync(messageId)).Count.ShouldBe(1);

        clock.Advance(TimeSpan.FromHours(12));
        await host.ReconcileAsync();
        // The scheduled fast path firing late, after reconciliation already cut the day, does nothing.
        await using (var scope = host.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<ReleaseCampaignDayJob>().RunAsync(campaignId, CancellationToken.None);
        await host.RunEnqueuedAsync();

        (await host.BatchesAsync(messageId)).Select(b => (b.RecipientCount, b.Status)).ShouldBe([(5, BatchStatus.Completed),
            (5, BatchStatus.Completed)]);
        var campaign = await CampaignAsync(campaignId);
        campaign.Days.Select(d => d.ReleasedAt).Order().ShouldBe([Start, Start.AddDays(1)]);
        campaign.NextBatchAt.ShouldBe(Start.AddDays(2));
    }

    [Fact]
    public async Task Cancelling_between_days_cancels_the_contacts_not_yet_reached_and_no_day_follows()
    {
        var (campaignId, messageId) = await CreateAsync(12, 5);
        var campaigns = host.Services.GetRequiredService<CampaignService>();
        (await campaigns.CancelAsync(campaignId, Actor.System, CancellationToken.None)).ShouldBe(CampaignChange.Done);

        clock.Advance(TimeSpan.FromDays(1));
        await host.ReconcileAsync();
        (await host.BatchesAsync(messageId)).Count.ShouldBe(1);
        (await CampaignAsync(campaignId)).Status.ShouldBe(CampaignStatus.Cancelled);
        var message = await host.MessageAsync(messageId);
        message.Status.ShouldBe(MessageStatus.Cancelled);
        message.Summary.ShouldBe("Cancelled. Sent to 5 recipients. 0 failed. 7 not sent.");
        (await host.DeliveriesAsync(messageId)).Count(d => d.Status == DeliveryStatus.Cancelled).ShouldBe(7);
    }

    [Fact]
    public async Task Cancelling_the_message_of_a_scheduled_campaign_cancels_the_campaign()
    {
        var (campaignId, messageId) = await CreateAsync(12, 5, Start.AddHours(1));
        (await host.Sends.CancelAsync(messageId, sender, CancellationToken.None)).ShouldBe(CancelOutcome.Cancelled);
        clock.Advance(TimeSpan.FromHours(1));
        await host.ReconcileAsync();
        (await host.BatchesAsync(messageId)).ShouldBeEmpty();
        (await CampaignAsync(campaignId)).Status.ShouldBe(CampaignStatus.Cancelled);
    }

    [Fact]
    public async Task Retries_count_against_the_day_s_limit()
    {
        await using var failing = await CoreHost.StartAsync(contacts: 120, clock: clock,
            settings: new Dictionary<string, string?> { ["Channels:Simulated:FailureRates:Network"] = "0.5" });
        var model = CoreHost.Compose(ChannelKind.Email, await failing.ActiveContactIdsAsync(ChannelKind.Email, 12), "Campaign");
        (model.When, model.DailyLimit, model.RetryPolicy, model.MaxAttempts) = (SendTiming.Campaign, 5, RetryPolicyType.Immediate, 3);
        var messageId = (await failing.Sends.SaveAsync(model, null, sender, CancellationToken.None)).MessageId;
        await failing.RunEnqueuedAsync();
        for (var day = 0; day < 3; day++)
        {
            clock.Advance(TimeSpan.FromDays(1));
            await failing.ReconcileAsync();
        }

        var batches = await failing.BatchesAsync(messageId);
        foreach (var day in batches.GroupBy(b => (b.CreatedAt - Start).Days))
            day.Sum(b => b.RecipientCount).ShouldBeLessThanOrEqualTo(5,
                $"day {day.Key + 1}: first sends and retries together stay within the limit");
        // Days 1 and 2 were full, so their failures waited; the last day (2 new contacts) had room for 3 retries.
        batches.Where(b => b.AttemptNumber > 1).ShouldNotBeEmpty();
        batches.Where(b => b.AttemptNumber > 1).ShouldAllBe(b => b.CreatedAt == Start.AddDays(2));
        var deliveries = await failing.DeliveriesAsync(messageId);
        deliveries.Where(d => d.AttemptNumber == 1).Select(d => d.ContactId).Distinct().Count().ShouldBe(12);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(10_000, true)]
    [InlineData(10_001, false)]
    public async Task The_daily_limit_is_between_1_and_10000(int? limit, bool valid)
    {
        var model = CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 3));
        model.When = SendTiming.Campaign;
        model.DailyLimit = limit;
        var outcome = await host.Sends.SaveAsync(model, null, sender, CancellationToken.None);
        outcome.Succeeded.ShouldBe(valid);
        if (!valid)
            outcome.Errors.Keys.ShouldContain(nameof(ComposeModel.DailyLimit));
    }
}
