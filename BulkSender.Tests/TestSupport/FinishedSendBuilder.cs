using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.TestSupport;

/// <summary>A send that has ended with known failures: one batch, some recipients sent, the rest failed with the given types.</summary>
public static class FinishedSendBuilder
{
    public static async Task<(int MessageId, List<int> FailedContactIds)> CreateAsync(AppDbContext db, int sent, params ErrorType[] failures)
    {
        var now = DateTime.UtcNow;
        var contacts = await db.Contacts.Where(c => c.Channel == ChannelKind.Email && !c.OptedOut).OrderByDescending(c => c.Id)
            .Take(sent + failures.Length).ToListAsync();
        var message = new Message
        {
            Title = $"Finished send {Guid.NewGuid():N}"[..22], Content = "Hello", Channel = ChannelKind.Email,
            Status = failures.Length == 0 ? MessageStatus.Sent : sent == 0 ? MessageStatus.Failed : MessageStatus.PartiallySent,
            RetryPolicy = RetryPolicyType.Manual, MaxAttempts = 3, TotalRecipients = contacts.Count, SentCount = sent, FailedCount = failures.Length,
            BatchCount = 1, CreatedAt = now, StartedAt = now, CompletedAt = now, CreatedByName = "builder",
            Summary = $"Sent to {sent} recipients. {failures.Length} failed. Processed in 1 batch.",
        };
        db.Messages.Add(message);
        await db.SaveChangesAsync();
        var batch = new MessageBatch
        {
            MessageId = message.Id, Number = 1, RecipientCount = contacts.Count, Status = BatchStatus.Completed, SentCount = sent,
            FailedCount = failures.Length, CreatedAt = now, StartedAt = now, CompletedAt = now,
        };
        db.Batches.Add(batch);
        await db.SaveChangesAsync();
        db.Deliveries.AddRange(contacts.Select((c, i) => i < sent
            ? new Delivery
            {
                MessageId = message.Id, BatchId = batch.Id, ContactId = c.Id, RecipientAddress = c.Address,
                RecipientName = c.Name, Status = DeliveryStatus.Sent, SentAt = now, CreatedAt = now, ProviderMessageId = $"sim-{i}"
            }
            : new Delivery
            {
                MessageId = message.Id, BatchId = batch.Id, ContactId = c.Id, RecipientAddress = c.Address, RecipientName = c.Name,
                Status = DeliveryStatus.Failed, FailedAt = now, CreatedAt = now, ErrorType = failures[i - sent], ErrorCode = "E" + (i - sent),
                ErrorMessage = $"Simulated {failures[i - sent]}",
            }));
        await db.SaveChangesAsync();
        return (message.Id, contacts.Skip(sent).Select(c => c.Id).ToList());
    }
}
