using BulkSender.Core.Campaigns;
using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Dashboard;

public sealed record SendTotals(int Sent, int Failed)
{
    /// <summary>Percent of attempts that reached the provider; null when nothing was attempted.</summary>
    public double? SuccessRate => Sent + Failed == 0 ? null : Math.Round(100.0 * Sent / (Sent + Failed), 1);
}

public sealed record DailySends(DateOnly Day, ChannelKind Channel, int Sent, int Failed);

public sealed record UpcomingItem(int MessageId, string Title, ChannelKind Channel, DateTime DueAt, string Kind, int? Remaining);

public sealed record DashboardSummary(SendTotals Today, SendTotals LastSevenDays, IReadOnlyList<DailySends> Daily, IReadOnlyList<UpcomingItem> Upcoming);

/// <summary>The figures on the dashboard home: every attempt counts once, on the UTC day it ended.</summary>
public sealed class DashboardQueries(IDbContextFactory<AppDbContext> dbs, TimeProvider clock)
{
    public const int Days = 7;

    public async Task<DashboardSummary> SummaryAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var today = now.Date;
        var since = today.AddDays(-(Days - 1));
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);

        var sent = await db.Deliveries.Where(d => d.SentAt >= since)
            .Join(db.Messages, d => d.MessageId, m => m.Id, (d, m) => new { d.SentAt!.Value.Date, m.Channel })
            .GroupBy(x => new { x.Date, x.Channel })
            .Select(g => new { g.Key.Date, g.Key.Channel, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var failed = await db.Deliveries.Where(d => d.Status == DeliveryStatus.Failed && d.FailedAt >= since)
            .Join(db.Messages, d => d.MessageId, m => m.Id, (d, m) => new { d.FailedAt!.Value.Date, m.Channel })
            .GroupBy(x => new { x.Date, x.Channel })
            .Select(g => new { g.Key.Date, g.Key.Channel, Count = g.Count() })
            .ToListAsync(cancellationToken);

        var daily = (
            from day in Enumerable.Range(0, Days).Select(i => since.AddDays(i))
            from channel in Enum.GetValues<ChannelKind>()
            select new DailySends(
                DateOnly.FromDateTime(day),
                channel,
                sent.Where(s => s.Date == day && s.Channel == channel).Sum(s => s.Count),
                failed.Where(f => f.Date == day && f.Channel == channel).Sum(f => f.Count))).ToList();

        var upcoming = await db.Messages.Where(m => m.Status == MessageStatus.Scheduled && m.ScheduledAt != null)
            .OrderBy(m => m.ScheduledAt).Take(5)
            .Select(m => new UpcomingItem(m.Id, m.Title, m.Channel, m.ScheduledAt!.Value, "Scheduled send", null))
            .ToListAsync(cancellationToken);
        var campaigns = await db.Campaigns.Where(c => c.Status == CampaignStatus.Active && c.NextBatchAt != null)
            .OrderBy(c => c.NextBatchAt).Take(5)
            .Select(c => new UpcomingItem(c.MessageId, c.Message!.Title, c.Message.Channel, c.NextBatchAt!.Value, "Campaign batch",
                db.Deliveries.Count(d => d.MessageId == c.MessageId && d.BatchId == null)))
            .ToListAsync(cancellationToken);

        return new DashboardSummary(
            Totals(daily.Where(d => d.Day == DateOnly.FromDateTime(today))),
            Totals(daily),
            daily,
            upcoming.Concat(campaigns).OrderBy(u => u.DueAt).Take(8).ToList());
    }

    private static SendTotals Totals(IEnumerable<DailySends> days)
    {
        var list = days.ToList();
        return new SendTotals(list.Sum(d => d.Sent), list.Sum(d => d.Failed));
    }
}
