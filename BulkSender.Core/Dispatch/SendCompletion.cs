using BulkSender.Core.Campaigns;
using BulkSender.Core.Data;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Dispatch;

/// <summary>Gives a send its final status and summary when its last batch has ended.</summary>
public sealed class SendCompletion(IDbContextFactory<AppDbContext> dbs, IDispatchProgress progress, RetryFollowUp retries, TimeProvider clock)
{
    /// <summary>
    /// When no batch of the message is pending or running, records the outcome. Batches ending at the same moment
    /// may all call this; the conditional update lets exactly one of them win.
    /// </summary>
    public async Task<bool> CompleteIfDoneAsync(int messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var message = await db.Messages.AsNoTracking()
            .Where(m => m.Id == messageId && m.CompletedAt == null && (m.Status == MessageStatus.Sending || m.Status == MessageStatus.Cancelled))
            .Where(m => !db.Batches.Any(b => b.MessageId == m.Id && (b.Status == BatchStatus.Pending || b.Status == BatchStatus.Processing)))
            .Select(m => new { m.Status, m.TotalRecipients, m.SentCount, m.FailedCount, m.SkippedCount, m.BatchCount })
            .SingleOrDefaultAsync(cancellationToken);
        if (message is null)
            return false;

        var outcome = SendOutcome.Decide(message.Status == MessageStatus.Cancelled, message.TotalRecipients,
            message.SentCount, message.FailedCount, message.SkippedCount, message.BatchCount);
        var now = clock.GetUtcNow().UtcDateTime;
        var won = await db.InTransactionAsync(ct => db.Messages
            .Where(m => m.Id == messageId && m.CompletedAt == null && m.Status == message.Status)
            .Where(m => !db.Batches.Any(b => b.MessageId == m.Id && (b.Status == BatchStatus.Pending || b.Status == BatchStatus.Processing)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, outcome.Status)
                .SetProperty(m => m.Summary, outcome.Summary)
                .SetProperty(m => m.CompletedAt, now), ct), cancellationToken) == 1;
        if (won)
        {
            await CampaignScheduler.AfterMessageCompletedAsync(db, messageId, outcome.Status, now, cancellationToken);
            progress.MessageCompleted(messageId);
            // The message's retry policy decides what comes next (an immediate round, or the next scheduled time).
            await retries.AfterRoundAsync(messageId, cancellationToken);
        }
        return won;
    }
}
