using System.Linq.Expressions;
using BulkSender.Core.Compliance;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;

namespace BulkSender.Core.Retries;

/// <summary>
/// The retry rules, in one place. A recipient may get another attempt only when: its latest attempt failed, it never
/// succeeded, the failure was not <see cref="ErrorType.InvalidRecipient"/>, it is below the message's max attempts,
/// and the contact still exists and has not opted out. A recipient refused for Messenger's 24-hour window waits until
/// the contact writes again (another attempt before that would be refused the same way and only use up an attempt).
/// A failure with a not-before time (<see cref="Delivery.RetryNotBefore"/>, WhatsApp 131049) is retryable, but a round
/// takes it only once that time has come (<see cref="DueBy"/>). Everything that counts, lists or retries asks these queries.
/// </summary>
public static class RetryRules
{
    public const string InvalidRecipientReason =
        "Invalid recipient: the provider says this address cannot receive messages, so it is never retried.";
    public const string MaxAttemptsReason = "Max attempts reached.";
    public const string OptedOutReason = "Opted out since.";
    public const string DeletedReason = "The contact was deleted.";
    public const string OutsideWindowReason = "Outside Messenger's 24-hour window: retryable once the contact writes again.";

    /// <summary>Deliveries that are the latest attempt of their recipient and failed.</summary>
    public static IQueryable<Delivery> LatestFailed(AppDbContext db, int messageId) =>
        DeliveryQueries.LatestAttempts(db, messageId).Where(d => d.Status == DeliveryStatus.Failed
            && !db.Deliveries.Any(s => s.MessageId == d.MessageId && s.ContactId == d.ContactId && s.Status == DeliveryStatus.Sent));

    /// <summary>The latest failed deliveries that may be retried (see the class summary).</summary>
    public static IQueryable<Delivery> Retryable(AppDbContext db, int messageId, int maxAttempts) =>
        LatestFailed(db, messageId).Where(d => d.ContactId != null
            && d.ErrorType != ErrorType.InvalidRecipient
            && d.AttemptNumber < maxAttempts
            && db.Contacts.Any(c => c.Id == d.ContactId && !c.OptedOut))
            .Where(MessagingWindow.NotWaitingForInbound(db));

    /// <summary>Retryable deliveries that a round may take at <paramref name="now"/>: no not-before time, or it has passed.</summary>
    public static Expression<Func<Delivery, bool>> DueBy(DateTime now) => d => d.RetryNotBefore == null || d.RetryNotBefore <= now;

    /// <summary>Narrows to chosen recipients (contact ids) and/or error types; null or empty means all.</summary>
    public static IQueryable<Delivery> Chosen(this IQueryable<Delivery> deliveries, IReadOnlyCollection<int>? contactIds,
        IReadOnlyCollection<ErrorType>? errorTypes)
    {
        if (contactIds is { Count: > 0 })
            deliveries = deliveries.Where(d => d.ContactId != null && contactIds.Contains(d.ContactId.Value));
        if (errorTypes is { Count: > 0 })
            deliveries = deliveries.Where(d => d.ErrorType != null && errorTypes.Contains(d.ErrorType.Value));
        return deliveries;
    }

    /// <summary>Why a latest failed delivery is not retryable, or null when it is.</summary>
    /// <param name="waitsForInbound">Refused for Messenger's 24-hour window, and the contact has not written since.</param>
    public static string? NotRetryableReason(ErrorType? errorType, int attemptNumber, int maxAttempts, bool contactExists, bool optedOut,
        bool waitsForInbound) =>
        (errorType, contactExists, optedOut) switch
        {
            (ErrorType.InvalidRecipient, _, _) => InvalidRecipientReason,
            (_, false, _) => DeletedReason,
            (_, _, true) => OptedOutReason,
            _ when attemptNumber >= maxAttempts => MaxAttemptsReason,
            _ when waitsForInbound => OutsideWindowReason,
            _ => null,
        };
}
