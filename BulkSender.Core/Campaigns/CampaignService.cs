using System.Globalization;
using BulkSender.Core.Activity;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Campaigns;

public enum CampaignChange
{
    Done,
    NotFound,

    /// <summary>The campaign is not in a state that allows it (e.g. resuming an active one).</summary>
    NotAllowed,
}

/// <summary>What an operator does to a running campaign: pause (days are skipped), resume (the next day from now), cancel.</summary>
public sealed class CampaignService(
    IDbContextFactory<AppDbContext> dbs,
    CampaignScheduler scheduler,
    SendService sends,
    IDispatchProgress progress,
    TimeProvider clock)
{
    public async Task<CampaignChange> PauseAsync(int campaignId, Actor actor, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var result = await dbs.InTransactionAsync(async (db, ct) =>
        {
            if (await db.Campaigns.Where(c => c.Id == campaignId && c.Status == CampaignStatus.Active)
                    .ExecuteUpdateAsync(s =>
                        s.SetProperty(c => c.Status, CampaignStatus.Paused).SetProperty(c => c.NextBatchAt, (DateTime?)null), ct) == 0)
                return await RefusalAsync(db, campaignId, ct);
            db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.CampaignPaused, now, nameof(Campaign), Id(campaignId)));
            await db.SaveChangesAsync(ct);
            return CampaignChange.Done;
        }, cancellationToken);
        await NotifyAsync(campaignId, result, cancellationToken);
        return result;
    }

    /// <summary>
    /// The next day starts now, or 24 hours after the last day's start when that is later (a day never holds more than the limit).
    /// </summary>
    public async Task<CampaignChange> ResumeAsync(int campaignId, Actor actor, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var next = now;
        var result = await dbs.InTransactionAsync(async (db, ct) =>
        {
            var last = await db.CampaignDays.Where(d => d.CampaignId == campaignId).MaxAsync(d => (DateTime?)d.ReleasedAt, ct);
            next = last is { } l && l + CampaignScheduler.DayLength > now ? l + CampaignScheduler.DayLength : now;
            if (await db.Campaigns.Where(c => c.Id == campaignId && c.Status == CampaignStatus.Paused)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CampaignStatus.Active).SetProperty(c => c.NextBatchAt, next), ct) == 0)
                return await RefusalAsync(db, campaignId, ct);
            db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.CampaignResumed, now, nameof(Campaign), Id(campaignId),
                string.Create(CultureInfo.InvariantCulture, $"Next batch at {next:yyyy-MM-dd HH:mm} UTC.")));
            await db.SaveChangesAsync(ct);
            return CampaignChange.Done;
        }, cancellationToken);
        if (result == CampaignChange.Done)
            await scheduler.StartAsync(campaignId, next, cancellationToken);
        await NotifyAsync(campaignId, result, cancellationToken);
        return result;
    }

    /// <summary>
    /// No further day is cut; the contacts not yet reached are cancelled. A batch that is running stops through the
    /// send's own cancel path; between days the message's last outcome becomes Cancelled.
    /// </summary>
    public async Task<CampaignChange> CancelAsync(int campaignId, Actor actor, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var messageId = 0;
        var result = await dbs.InTransactionAsync(async (db, ct) =>
        {
            messageId = await db.Campaigns.Where(c => c.Id == campaignId).Select(c => c.MessageId).SingleOrDefaultAsync(ct);
            if (await db.Campaigns.Where(c => c.Id == campaignId && (c.Status == CampaignStatus.Active || c.Status == CampaignStatus.Paused))
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CampaignStatus.Cancelled)
                        .SetProperty(c => c.NextBatchAt, (DateTime?)null).SetProperty(c => c.CompletedAt, now), ct) == 0)
                return await RefusalAsync(db, campaignId, ct);
            await CampaignScheduler.Unbatched(db, messageId).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Cancelled), ct);

            // Between days the message already has an outcome: it becomes Cancelled, with the counts so far.
            var ended = await db.Messages.Where(m => m.Id == messageId && m.CompletedAt != null && m.Status != MessageStatus.Cancelled)
                .Select(m => new { m.TotalRecipients, m.SentCount, m.FailedCount, m.SkippedCount, m.BatchCount }).SingleOrDefaultAsync(ct);
            if (ended is not null)
            {
                var outcome = SendOutcome.Decide(true, ended.TotalRecipients, ended.SentCount, ended.FailedCount,
                    ended.SkippedCount, ended.BatchCount);
                await db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.Status, MessageStatus.Cancelled).SetProperty(m => m.Summary, outcome.Summary)
                    .SetProperty(m => m.NextRetryAt, (DateTime?)null), ct);
            }
            db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.CampaignCancelled, now, nameof(Campaign), Id(campaignId)));
            await db.SaveChangesAsync(ct);
            return CampaignChange.Done;
        }, cancellationToken);
        if (result == CampaignChange.Done)
            await sends.CancelAsync(messageId, actor, cancellationToken); // NotCancellable between days: fine.
        await NotifyAsync(campaignId, result, cancellationToken);
        return result;
    }

    private static async Task<CampaignChange> RefusalAsync(AppDbContext db, int campaignId, CancellationToken cancellationToken) =>
        await db.Campaigns.AnyAsync(c => c.Id == campaignId, cancellationToken) ? CampaignChange.NotAllowed : CampaignChange.NotFound;

    private async Task NotifyAsync(int campaignId, CampaignChange result, CancellationToken cancellationToken)
    {
        if (result != CampaignChange.Done)
            return;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        progress.MessageChanged(await db.Campaigns.Where(c => c.Id == campaignId).Select(c => c.MessageId).SingleAsync(cancellationToken));
    }

    private static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);
}
