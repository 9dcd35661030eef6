using System.Data;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Jobs;
using BulkSender.Core.Messages;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Campaigns;

/// <summary>
/// Cuts campaign days. A campaign's deliveries are all written when it is created, with no batch; each day a new
/// batch (numbered after the existing ones) takes at most <see cref="Campaign.DailyLimit"/> of the still-unbatched
/// deliveries, so no contact is sent the campaign twice. <see cref="Campaign.NextBatchAt"/> in the database is the
/// truth: a scheduled <see cref="ReleaseCampaignDayJob"/> is only the fast path, and <see cref="ReleaseCampaignDaysStep"/>
/// releases any due day every minute. The cut is guarded by a conditional update on NextBatchAt, so a day is cut once.
/// </summary>
public sealed class CampaignScheduler(
    IDbContextFactory<AppDbContext> dbs,
    BatchQueue queue,
    IBackgroundJobClient jobs,
    IDispatchProgress progress,
    TimeProvider clock)
{
    public static readonly TimeSpan DayLength = TimeSpan.FromHours(24);

    /// <summary>
    /// Cuts the campaign's next day if it is due. Safe to call twice or from two processes: returns false when there was nothing to cut.
    /// </summary>
    public async Task<bool> ReleaseDueAsync(int campaignId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var cut = await dbs.InTransactionAsync((db, ct) => CutDueDayAsync(db, campaignId, now, ct), cancellationToken, IsolationLevel.Serializable);
        if (cut is null)
            return false;
        if (cut.BatchId is { } id)
            await queue.EnqueueAsync([id], cancellationToken);
        if (cut.Next is { } at)
            ScheduleDay(campaignId, at);
        progress.MessageChanged(cut.MessageId);
        return true;
    }

    /// <summary>
    /// The guards, in order: the campaign is active and due; its message was not cancelled (or it ends with it); this
    /// caller is the one that moves the due time on. Then the day is cut, or the campaign is done when nobody is left.
    /// </summary>
    private static async Task<Cut?> CutDueDayAsync(AppDbContext db, int campaignId, DateTime now, CancellationToken cancellationToken)
    {
        var campaign = await db.Campaigns.AsNoTracking()
            .Where(c => c.Id == campaignId && c.Status == CampaignStatus.Active && c.NextBatchAt != null && c.NextBatchAt <= now)
            .Select(c => new DueCampaign(c.Id, c.MessageId, c.DailyLimit, c.NextBatchAt, c.Message!.Status))
            .SingleOrDefaultAsync(cancellationToken);
        if (campaign is null || await EndedWithItsMessageAsync(db, campaign, now, cancellationToken))
            return null;

        var remaining = await Unbatched(db, campaign.MessageId).CountAsync(cancellationToken);
        var size = Math.Min(campaign.DailyLimit, remaining);
        DateTime? next = remaining > size ? now + DayLength : null;
        if (!await MoveOnAsync(db, campaign, next, cancellationToken))
            return null;
        if (size == 0)
        {
            // Nobody left (contacts opted out meanwhile): nothing to cut, the campaign is done.
            await db.Campaigns.Where(c => c.Id == campaignId).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Status, CampaignStatus.Completed).SetProperty(c => c.CompletedAt, now), cancellationToken);
            return new Cut(campaign.MessageId, null, null);
        }
        return new Cut(campaign.MessageId, await CutDayAsync(db, campaign, size, remaining, now, cancellationToken), next);
    }

    /// <summary>A campaign whose message was cancelled (or is a draft again) is cancelled instead of cut.</summary>
    private static async Task<bool> EndedWithItsMessageAsync(AppDbContext db, DueCampaign campaign, DateTime now,
        CancellationToken cancellationToken)
    {
        if (campaign.MessageStatus is not (MessageStatus.Cancelled or MessageStatus.Draft))
            return false;
        await db.Campaigns.Where(c => c.Id == campaign.Id && c.Status == CampaignStatus.Active).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.Status, CampaignStatus.Cancelled)
            .SetProperty(c => c.NextBatchAt, (DateTime?)null)
            .SetProperty(c => c.CompletedAt, now),
            cancellationToken);
        return true;
    }

    /// <summary>The guard: only the caller that still sees the due time it read moves it on (to the next day, or none).</summary>
    private static async Task<bool> MoveOnAsync(AppDbContext db, DueCampaign campaign, DateTime? next, CancellationToken cancellationToken) =>
        await db.Campaigns.Where(c => c.Id == campaign.Id && c.Status == CampaignStatus.Active && c.NextBatchAt == campaign.NextBatchAt)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.NextBatchAt, next), cancellationToken) != 0;

    /// <summary>
    /// The cut: a new batch (numbered after the existing ones) takes the first <paramref name="size"/> unbatched
    /// deliveries, the day is written down, and the message is Sending again. Returns the batch's id.
    /// </summary>
    private static async Task<int> CutDayAsync(AppDbContext db, DueCampaign campaign, int size, int remaining, DateTime now,
        CancellationToken cancellationToken)
    {
        var number = (await db.Batches.Where(b => b.MessageId == campaign.MessageId).MaxAsync(b => (int?)b.Number, cancellationToken) ?? 0) + 1;
        var batch = new MessageBatch
        {
            MessageId = campaign.MessageId,
            Number = number,
            AttemptNumber = 1,
            RecipientCount = size,
            Status = BatchStatus.Pending,
            CreatedAt = now,
        };
        db.Batches.Add(batch);
        await db.SaveChangesAsync(cancellationToken);

        var batchId = batch.Id;
        var taken = Unbatched(db, campaign.MessageId).OrderBy(d => d.Id).Take(size).Select(d => d.Id);
        var written = await db.Deliveries.Where(d => taken.Contains(d.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.BatchId, batchId), cancellationToken);
        if (written != size)
            throw new DbUpdateConcurrencyException($"Campaign {campaign.Id}: {size} deliveries were to be cut, {written} were.");

        var day = (await db.CampaignDays.Where(d => d.CampaignId == campaign.Id).MaxAsync(d => (int?)d.DayNumber, cancellationToken) ?? 0) + 1;
        db.CampaignDays.Add(
            new CampaignDay { CampaignId = campaign.Id, DayNumber = day, BatchId = batchId, ReleasedAt = now, RemainingAfter = remaining - size });
        await db.Messages.Where(m => m.Id == campaign.MessageId).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.Status, MessageStatus.Sending)
            .SetProperty(m => m.StartedAt, m => m.StartedAt ?? now)
            .SetProperty(m => m.BatchCount, m => m.BatchCount + 1)
            .SetProperty(m => m.CompletedAt, (DateTime?)null)
            .SetProperty(m => m.Summary, (string?)null), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return batchId;
    }

    /// <summary>The fast path to a day: a Hangfire job at its time (lost on an in-memory restart; reconciliation covers that).</summary>
    public void ScheduleDay(int campaignId, DateTime at)
    {
        var delay = at - clock.GetUtcNow().UtcDateTime;
        jobs.Schedule<ReleaseCampaignDayJob>(JobQueues.Default, j => j.RunAsync(campaignId, CancellationToken.None),
            delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
    }

    /// <summary>Cuts the day now when it is due, or schedules it.</summary>
    public async Task StartAsync(int campaignId, DateTime at, CancellationToken cancellationToken)
    {
        if (at <= clock.GetUtcNow().UtcDateTime)
            await ReleaseDueAsync(campaignId, cancellationToken);
        else
            ScheduleDay(campaignId, at);
    }

    /// <summary>Deliveries of the campaign's message that no day has taken yet.</summary>
    public static IQueryable<Delivery> Unbatched(AppDbContext db, int messageId) =>
        db.Deliveries.Where(d => d.MessageId == messageId && d.BatchId == null && d.Status == DeliveryStatus.Pending);

    /// <summary>
    /// How many more recipients today's campaign day may take (its limit minus its batch and the retry batches created
    /// since it was cut), or null when the message is no campaign or has no day yet. Retry rounds are capped by it.
    /// </summary>
    public static async Task<int?> RoomTodayAsync(AppDbContext db, int messageId, CancellationToken cancellationToken)
    {
        var today = await db.Campaigns.Where(c => c.MessageId == messageId)
            .Select(c => new { c.DailyLimit, Since = c.Days.Max(d => (DateTime?)d.ReleasedAt) })
            .SingleOrDefaultAsync(cancellationToken);
        if (today?.Since is not { } since)
            return null;
        var used = await db.Batches.Where(b => b.MessageId == messageId && b.CreatedAt >= since).SumAsync(b => b.RecipientCount, cancellationToken);
        return Math.Max(0, today.DailyLimit - used);
    }

    /// <summary>
    /// Called when the campaign's message gets a final status: the campaign ends with it when no contact remains (or it was cancelled).
    /// </summary>
    public static async Task AfterMessageCompletedAsync(AppDbContext db, int messageId, MessageStatus status, DateTime now,
        CancellationToken cancellationToken)
    {
        if (status == MessageStatus.Cancelled)
        {
            await db.Campaigns.Where(c => c.MessageId == messageId && (c.Status == CampaignStatus.Active || c.Status == CampaignStatus.Paused))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CampaignStatus.Cancelled)
                    .SetProperty(c => c.NextBatchAt, (DateTime?)null).SetProperty(c => c.CompletedAt, now), cancellationToken);
            return;
        }
        await db.Campaigns
            .Where(c => c.MessageId == messageId && (c.Status == CampaignStatus.Active || c.Status == CampaignStatus.Paused))
            .Where(c => !db.Deliveries.Any(d => d.MessageId == messageId && d.BatchId == null && d.Status == DeliveryStatus.Pending))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CampaignStatus.Completed)
                .SetProperty(c => c.NextBatchAt, (DateTime?)null).SetProperty(c => c.CompletedAt, now), cancellationToken);
    }

    private sealed record DueCampaign(int Id, int MessageId, int DailyLimit, DateTime? NextBatchAt, MessageStatus MessageStatus);

    private sealed record Cut(int MessageId, int? BatchId, DateTime? Next);
}

/// <summary>The scheduled fast path of a campaign day. Safe to run twice: the cut is conditional.</summary>
[AutomaticRetry(Attempts = 0)]
public sealed class ReleaseCampaignDayJob(CampaignScheduler scheduler)
{
    [JobDisplayName("Release campaign {0} day")]
    public Task RunAsync(int campaignId, CancellationToken cancellationToken) => scheduler.ReleaseDueAsync(campaignId, cancellationToken);
}

/// <summary>Every minute (and at start): releases each campaign day that is due, whatever happened to its scheduled job.</summary>
public sealed class ReleaseCampaignDaysStep(IDbContextFactory<AppDbContext> dbs, CampaignScheduler scheduler, TimeProvider clock) : IReconcileStep
{
    public string Name => "release-campaign-days";

    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<int> due;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
            due = await db.Campaigns.Where(c => c.Status == CampaignStatus.Active && c.NextBatchAt != null && c.NextBatchAt <= now)
                .OrderBy(c => c.NextBatchAt).Select(c => c.Id).ToListAsync(cancellationToken);
        var released = 0;
        foreach (var id in due)
            if (await scheduler.ReleaseDueAsync(id, cancellationToken))
                released++;
        return released;
    }
}
