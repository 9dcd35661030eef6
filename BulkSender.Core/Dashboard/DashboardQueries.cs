using BulkSender.Core.Campaigns;
using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Dashboard;

public sealed record SendTotals(int Sent, int Failed)
{
    /// <summary>Percent of attempts that reached the provider; null when nothing was attempted.</summary>
    public double? SuccessRate => Sent + Failed == 0 ? null : Math.Round(100.0 * Sent / (Sent + Failed), 1);
}

public sealed record DailySends(DateOnly Day, ChannelKind Channel, int Sent, int Failed);

public sealed record UpcomingItem(int MessageId, string Title, ChannelKind Channel, DateTime DueAt, string Kind, int? Remaining);

/// <summary>A send whose batches are running (or stopping after a cancel).</summary>
public sealed record InFlightSend(int MessageId, string Title, ChannelKind Channel, MessageStatus Status, int TotalRecipients, int Sent,
    int Failed, int Skipped)
{
    public int Processed => Sent + Failed + Skipped;
}

/// <summary>A message with recipients that may get another attempt, and when (by its policy) they will.</summary>
public sealed record RetryQueueItem(int MessageId, string Title, ChannelKind Channel, int Retryable, RetryPolicyType Policy,
    DateTime? NextRetryAt, int RetryCount, int MaxAttempts);

public sealed record DashboardSummary(
    SendTotals Today,
    SendTotals LastSevenDays,
    IReadOnlyList<DailySends> Daily,
    IReadOnlyList<UpcomingItem> Upcoming,
    IReadOnlyList<InFlightSend> InFlight,
    IReadOnlyList<RetryQueueItem> RetryQueue);

/// <summary>
/// The dashboard's headline counts: contacts that can be reached and that opted out, messages sent (not drafts), active campaigns.
/// </summary>
public sealed record DashboardCounts(int ActiveContacts, int OptedOut, int Messages, int ActiveCampaigns);

/// <summary>The figures on the dashboard home: every attempt counts once, on the UTC day it ended.</summary>
public sealed class DashboardQueries(IDbContextFactory<AppDbContext> dbs, TimeProvider clock)
{
    public const int Days = 7;

    /// <summary>The most sends in flight and retry-queue entries the home page lists.</summary>
    public const int ListLimit = 6;

    /// <summary>
    /// How many of the most recent messages with failures the retry queue looks at. Counting retryable recipients
    /// takes a query per message (the retry rules, not a shortcut); messages older than these are on the Messages page.
    /// </summary>
    private const int RetryCandidates = 30;

    public async Task<DashboardCounts> CountsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return new DashboardCounts(
            await db.Contacts.CountAsync(c => !c.OptedOut, cancellationToken),
            await db.Contacts.CountAsync(c => c.OptedOut, cancellationToken),
            await db.Messages.CountAsync(m => m.Status != MessageStatus.Draft, cancellationToken),
            await db.Campaigns.CountAsync(c => c.Status == CampaignStatus.Active, cancellationToken));
    }

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
            upcoming.Concat(campaigns).OrderBy(u => u.DueAt).Take(8).ToList(),
            await InFlightAsync(db, cancellationToken),
            await RetryQueueAsync(db, cancellationToken));
    }

    private static Task<List<InFlightSend>> InFlightAsync(AppDbContext db, CancellationToken cancellationToken) =>
        db.Messages.AsNoTracking()
            .Where(m => m.Status == MessageStatus.Sending || (m.Status == MessageStatus.Cancelled && m.CompletedAt == null))
            .OrderBy(m => m.StartedAt).ThenBy(m => m.Id).Take(ListLimit)
            .Select(m => new InFlightSend(m.Id, m.Title, m.Channel, m.Status, m.TotalRecipients, m.SentCount, m.FailedCount, m.SkippedCount))
            .ToListAsync(cancellationToken);

    /// <summary>Messages with retryable recipients (by <see cref="RetryRules"/>): the next scheduled retries first, then the newest.</summary>
    private static async Task<List<RetryQueueItem>> RetryQueueAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var candidates = await db.Messages.AsNoTracking()
            .Where(m => m.FailedCount > 0 && m.Status != MessageStatus.Draft && m.Status != MessageStatus.Cancelled)
            .OrderBy(m => m.NextRetryAt == null).ThenBy(m => m.NextRetryAt).ThenByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Take(RetryCandidates)
            .Select(m => new { m.Id, m.Title, m.Channel, m.RetryPolicy, m.NextRetryAt, m.RetryCount, m.MaxAttempts })
            .ToListAsync(cancellationToken);
        var queue = new List<RetryQueueItem>();
        foreach (var m in candidates)
        {
            var retryable = await RetryRules.Retryable(db, m.Id, m.MaxAttempts).CountAsync(cancellationToken);
            if (retryable > 0)
                queue.Add(new RetryQueueItem(m.Id, m.Title, m.Channel, retryable, m.RetryPolicy, m.NextRetryAt, m.RetryCount, m.MaxAttempts));
            if (queue.Count == ListLimit)
                break;
        }
        return queue;
    }

    private static SendTotals Totals(IEnumerable<DailySends> days)
    {
        var list = days.ToList();
        return new SendTotals(list.Sum(d => d.Sent), list.Sum(d => d.Failed));
    }
}
