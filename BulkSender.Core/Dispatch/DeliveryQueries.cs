using BulkSender.Core.Data;

namespace BulkSender.Core.Dispatch;

public static class DeliveryQueries
{
    /// <summary>Each recipient's (contact's) latest attempt at a message: a recipient retried three times is one recipient.</summary>
    public static IQueryable<Delivery> LatestAttempts(AppDbContext db, int messageId) =>
        db.Deliveries.Where(d => d.MessageId == messageId
            && !db.Deliveries.Any(n => n.MessageId == d.MessageId && n.ContactId == d.ContactId && n.AttemptNumber > d.AttemptNumber));
}
