using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Funnel;

/// <summary>
/// What a WhatsApp status says besides its stage: the pricing of the delivery (kept on it, latest wins) and the
/// recipient's business-scoped user id (kept on the contact). Set-based, by the provider's message id.
/// </summary>
public sealed class WhatsAppStatusDetails(IDbContextFactory<AppDbContext> dbs, IDispatchProgress progress)
{
    public async Task RecordAsync(ProviderStatus status, CancellationToken cancellationToken)
    {
        if (status.Pricing is null && status.RecipientUserId is null)
            return;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var deliveries = db.Deliveries.Where(d => d.ProviderMessageId == status.ProviderMessageId
            && db.Messages.Any(m => m.Id == d.MessageId && m.Channel == ChannelKind.WhatsApp));
        if (status.Pricing is { } pricing)
        {
            var messageIds = await deliveries.Select(d => d.MessageId).Distinct().ToListAsync(cancellationToken);
            await deliveries.ExecuteUpdateAsync(s => s.SetProperty(d => d.PricingCategory, pricing.Category)
                .SetProperty(d => d.PricingModel, pricing.Model).SetProperty(d => d.PricingType, pricing.Type)
                .SetProperty(d => d.Billable, pricing.Billable), cancellationToken);
            foreach (var messageId in messageIds)
                progress.FunnelChanged(messageId);
        }
        if (status.RecipientUserId is { } userId)
            await db.Contacts.Where(c => c.Channel == ChannelKind.WhatsApp && deliveries.Any(d => d.ContactId == c.Id)
                    && (c.BusinessScopedUserId == null || c.BusinessScopedUserId != userId))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.BusinessScopedUserId, userId), cancellationToken);
    }
}
