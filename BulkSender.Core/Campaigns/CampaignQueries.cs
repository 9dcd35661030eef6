using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Campaigns;

/// <summary>A campaign as the Campaigns page lists it. Processed = sent + failed (+ skipped); remaining = not yet processed.</summary>
public sealed record CampaignRow(int Id, int MessageId, string Title, ChannelKind Channel, CampaignStatus Status, int DailyLimit, DateTime StartAt,
    DateTime? NextBatchAt, int Total, int Sent, int Failed, int Skipped)
{
    public int Processed => Sent + Failed + Skipped;
    public int Remaining => Math.Max(0, Total - Processed);
}

/// <summary>One campaign day: its batch, when it was released, how it went, and how many contacts were left after it.</summary>
public sealed record CampaignDayRow(int DayNumber, int BatchNumber, DateTime ReleasedAt, BatchStatus BatchStatus,
    int Recipients, int Sent, int Failed, int RemainingAfter);

public sealed class CampaignQueries(IDbContextFactory<AppDbContext> dbs)
{
    public async Task<List<CampaignRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await Rows(db.Campaigns.OrderByDescending(c => c.Id)).ToListAsync(cancellationToken);
    }

    public async Task<CampaignRow?> ForMessageAsync(int messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await Rows(db.Campaigns.Where(c => c.MessageId == messageId)).SingleOrDefaultAsync(cancellationToken);
    }

    public async Task<List<CampaignDayRow>> DaysAsync(int campaignId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.CampaignDays.Where(d => d.CampaignId == campaignId)
            .Join(db.Batches, d => d.BatchId, b => b.Id, (d, b) => new { d, b })
            .OrderBy(x => x.d.DayNumber)
            .Select(x => new CampaignDayRow(x.d.DayNumber, x.b.Number, x.d.ReleasedAt, x.b.Status, x.b.RecipientCount,
                x.b.SentCount, x.b.FailedCount, x.d.RemainingAfter))
            .ToListAsync(cancellationToken);
    }

    private static IQueryable<CampaignRow> Rows(IQueryable<Campaign> campaigns) =>
        campaigns.Select(c => new CampaignRow(c.Id, c.MessageId, c.Message!.Title, c.Message.Channel, c.Status, c.DailyLimit,
            c.StartAt, c.NextBatchAt, c.Message.TotalRecipients, c.Message.SentCount, c.Message.FailedCount, c.Message.SkippedCount));
}
