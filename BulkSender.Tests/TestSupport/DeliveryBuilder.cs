using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;

namespace BulkSender.Tests.TestSupport;

/// <summary>A sent message with one accepted delivery per contact, as the send pipeline leaves them.</summary>
public static class DeliveryBuilder
{
    private static int next;

    /// <summary>
    /// Saves the contacts, a Sent message and a Sent delivery to each (provider ids "{prefix}-{n}", sent at <paramref name="sentAt"/>).
    /// </summary>
    public static async Task<(Message Message, List<Delivery> Deliveries)> SentAsync(
        AppDbContext db, ChannelKind channel, IReadOnlyList<Contact> contacts, DateTime sentAt)
    {
        db.Contacts.AddRange(contacts.Where(c => c.Id == 0));
        var message = new Message
        {
            Title = "Funnel test",
            Content = "Hello",
            Channel = channel,
            Status = MessageStatus.Sent,
            TotalRecipients = contacts.Count,
            SentCount = contacts.Count,
            CreatedAt = sentAt,
        };
        db.Messages.Add(message);
        await db.SaveChangesAsync();
        var deliveries = contacts.Select(c => new Delivery
        {
            MessageId = message.Id,
            ContactId = c.Id,
            RecipientAddress = c.Address,
            RecipientName = c.Name,
            Status = DeliveryStatus.Sent,
            ProviderMessageId = $"{channel.ToString().ToLowerInvariant()}-{Interlocked.Increment(ref next)}",
            CreatedAt = sentAt,
            SentAt = sentAt,
        }).ToList();
        db.Deliveries.AddRange(deliveries);
        await db.SaveChangesAsync();
        return (message, deliveries);
    }
}
