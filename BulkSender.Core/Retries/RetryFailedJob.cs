using BulkSender.Core.Activity;
using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BulkSender.Core.Retries;

/// <summary>
/// The recurring job "retry-failed" (every 15 minutes): the next round of every scheduled-policy message that is due,
/// and of immediate-policy messages whose failures the provider asked to wait for (WhatsApp 131049) once they may go.
/// </summary>
public sealed class RetryFailedJob(IDbContextFactory<AppDbContext> dbs, RetryPlanner planner, TimeProvider clock, ILogger<RetryFailedJob> log)
{
    public const string RecurringId = "retry-failed";
    public const string Cron = "*/15 * * * *";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<DueRetry> due;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
            due = await db.Messages
                .Where(m => m.RetryPolicy != RetryPolicyType.Manual && m.NextRetryAt != null && m.NextRetryAt <= now)
                .OrderBy(m => m.NextRetryAt).Select(m => new DueRetry(m.Id, m.RetryPolicy)).ToListAsync(cancellationToken);

        foreach (var (messageId, policy) in due)
        {
            var trigger = policy == RetryPolicyType.Immediate ? RetryTrigger.Immediate : RetryTrigger.Scheduled;
            var outcome = await planner.RetryAsync(messageId, RetryRequest.All, Actor.System, trigger, cancellationToken);
            log.LogInformation("Scheduled retry of message {MessageId}: {Outcome}", messageId, outcome.Message);
            if (outcome is { Status: RetryStatus.NotYetDue, NotBefore: { } notBefore })
            {
                // The first run of this job at or after the provider's not-before time.
                await using var db = await dbs.CreateDbContextAsync(cancellationToken);
                var next = RetryFollowUp.NextRun(notBefore - RetryFollowUp.ScheduledInterval);
                await db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(s => s.SetProperty(m => m.NextRetryAt, next), cancellationToken);
            }
            else if (outcome.Status is RetryStatus.NothingToRetry or RetryStatus.NotRetryable or RetryStatus.NotFound)
            {
                await using var db = await dbs.CreateDbContextAsync(cancellationToken);
                await db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(s =>
                    s.SetProperty(m => m.NextRetryAt, (DateTime?)null), cancellationToken);
            }
        }
    }

    private sealed record DueRetry(int MessageId, RetryPolicyType Policy);
}
