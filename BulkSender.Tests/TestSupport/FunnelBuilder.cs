using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;

namespace BulkSender.Tests.TestSupport;

/// <summary>
/// A sent e-mail message whose recipients are at known funnel stages: per new contact, its attempts in order, each a
/// stage function (<see cref="Failed"/>, <see cref="Read"/>, …); the last one is the recipient's latest attempt.
/// </summary>
public static class FunnelBuilder
{
    public static readonly DateTime T0 = new(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc);

    /// <returns>The message id and each recipient's latest delivery.</returns>
    public static async Task<(int MessageId, List<Delivery> Latest)> MessageAsync(AppDbContext db,
        params Func<Delivery, Delivery>[][] attemptsPerContact)
    {
        var message = new Message { Title = "Funnel", Content = "Hi", Channel = ChannelKind.Email, Status = MessageStatus.Sent, CreatedAt = T0 };
        var contacts = attemptsPerContact.Select(_ => ContactBuilder.Contact(ChannelKind.Email)).ToList();
        db.Messages.Add(message);
        db.Contacts.AddRange(contacts);
        await db.SaveChangesAsync();
        var latest = new List<Delivery>();
        foreach (var (contact, attempts) in contacts.Zip(attemptsPerContact))
            for (var i = 0; i < attempts.Length; i++)
            {
                var delivery = attempts[i](new Delivery
                {
                    MessageId = message.Id, ContactId = contact.Id, RecipientAddress = contact.Address, RecipientName = contact.Name,
                    AttemptNumber = i + 1, CreatedAt = T0,
                });
                db.Deliveries.Add(delivery);
                if (i == attempts.Length - 1)
                    latest.Add(delivery);
            }
        await db.SaveChangesAsync();
        return (message.Id, latest);
    }

    public static Delivery Failed(Delivery d) => Set(d, DeliveryStatus.Failed, x => { x.ErrorType = ErrorType.Network; x.FailedAt = T0; });
    public static Delivery Sent(Delivery d) => Set(d, DeliveryStatus.Sent,
        x => { x.SentAt = T0; x.ProviderMessageId = $"funnel-{Guid.NewGuid():N}"; });
    public static Delivery Delivered(Delivery d) => Set(Sent(d), DeliveryStatus.Sent, x => x.DeliveredAt = T0.AddSeconds(1));
    public static Delivery Read(Delivery d) => Set(Delivered(d), DeliveryStatus.Sent, x => x.ReadAt = T0.AddSeconds(2));
    public static Delivery Replied(Delivery d) => Set(Read(d), DeliveryStatus.Sent, x => x.RepliedAt = T0.AddSeconds(3));
    public static Delivery Closed(Delivery d) => Set(Replied(d), DeliveryStatus.Sent, x => x.ClosedAt = T0.AddSeconds(4));
    public static Delivery Pending(Delivery d) => Set(d, DeliveryStatus.Pending, _ => { });

    private static Delivery Set(Delivery d, DeliveryStatus status, Action<Delivery> change)
    {
        d.Status = status;
        change(d);
        return d;
    }
}
