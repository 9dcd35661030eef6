using BulkSender.Core.Contacts;
using BulkSender.Core.Data;
using BulkSender.Core.Templates;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Personalization;

/// <summary>
/// What one recipient of a message got, rendered again: the rendered text is not stored per delivery (a send of
/// 100,000 stays small), so it is reproduced from the message, the name and address the delivery was written with,
/// and the contact's field values now (a value changed since the send shows as it is now).
/// </summary>
public sealed class PersonalCopies(IDbContextFactory<AppDbContext> dbs, ContactFieldDefinitions fieldDefinitions)
{
    /// <summary>
    /// The copy of delivery <paramref name="deliveryId"/> of message <paramref name="messageId"/>; null when there is no
    /// such delivery.
    /// </summary>
    public async Task<RenderedMessage?> ForDeliveryAsync(int messageId, long deliveryId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var found = await db.Deliveries.AsNoTracking().Where(d => d.Id == deliveryId && d.MessageId == messageId)
            .Select(d => new { d.RecipientName, d.RecipientAddress, d.ContactId })
            .SingleOrDefaultAsync(cancellationToken);
        if (found is null)
            return null;
        var message = await db.Messages.AsNoTracking().Where(m => m.Id == messageId)
            .Select(m => new { m.Title, m.Content, m.Channel, m.WhatsAppTemplate }).SingleAsync(cancellationToken);
        var values = found.ContactId is { } contactId
            ? await ContactFieldDefinitions.ValuesOfAsync(db, contactId, cancellationToken)
            : [];
        var renderer = new MessageRenderer(message.Title, message.Content, message.Channel, message.WhatsAppTemplate,
            await fieldDefinitions.FieldSetAsync(cancellationToken));
        return renderer.Render(new RecipientValues(found.RecipientName, found.RecipientAddress, message.Channel, values));
    }
}
