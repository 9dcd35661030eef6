using BulkSender.Core.Activity;
using BulkSender.Core.Data;
using BulkSender.Core.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BulkSender.Core.Retries;

/// <summary>
/// What a message's retry policy does when a round ends: Manual nothing, Immediate the next round at once (failures the
/// provider asked to wait for: at their not-before time), Scheduled the next round at <see cref="Message.NextRetryAt"/>;
/// <see cref="RetryFailedJob"/> picks up both times.
/// </summary>
public sealed class RetryFollowUp(IDbContextFactory<AppDbContext> dbs, RetryPlanner planner, TimeProvider clock, ILogger<RetryFollowUp> log)
{
    public static readonly TimeSpan ScheduledInterval = TimeSpan.FromMinutes(15);

    public async Task AfterRoundAsync(int messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var message = await db.Messages.AsNoTracking().Where(m => m.Id == messageId)
            .Select(m => new { m.Status, m.RetryPolicy, m.MaxAttempts }).SingleOrDefaultAsync(cancellationToken);
        if (message is null || message.Status is not (MessageStatus.Sent or MessageStatus.PartiallySent or MessageStatus.Failed))
            return;
        var retryable = message.RetryPolicy != RetryPolicyType.Manual
            && await RetryRules.Retryable(db, messageId, message.MaxAttempts).AnyAsync(cancellationToken);
        DateTime? next = retryable && message.RetryPolicy == RetryPolicyType.Scheduled ? NextRun(clock.GetUtcNow().UtcDateTime) : null;
        await db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(s => s.SetProperty(m => m.NextRetryAt, next), cancellationToken);

        if (retryable && message.RetryPolicy == RetryPolicyType.Immediate)
        {
            var outcome = await planner.RetryAsync(messageId, RetryRequest.All, Actor.System, RetryTrigger.Immediate, cancellationToken);
            log.LogInformation("Immediate retry of message {MessageId}: {Outcome}", messageId, outcome.Message);
            // Only failures the provider asked to wait for (WhatsApp 131049) are left: the 15-minute job retries them then.
            if (outcome is { Status: RetryStatus.NotYetDue, NotBefore: { } notBefore })
                await db.Messages.Where(m => m.Id == messageId)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextRetryAt, notBefore), cancellationToken);
        }
    }

    /// <summary>
    /// The first run of the 15-minute recurring job that is at least 15 minutes away: the time the message shows,
    /// and the time its next round really starts.
    /// </summary>
    public static DateTime NextRun(DateTime roundEnded)
    {
        var earliest = roundEnded + ScheduledInterval;
        var step = ScheduledInterval.Ticks;
        return new DateTime((earliest.Ticks + step - 1) / step * step, DateTimeKind.Utc);
    }
}
