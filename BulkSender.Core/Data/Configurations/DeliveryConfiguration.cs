using BulkSender.Core.Contacts;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Delivery> e)
    {
        e.Property(d => d.RecipientAddress).HasMaxLength(320);
        e.Property(d => d.RecipientName).HasMaxLength(200);
        e.Property(d => d.ProviderMessageId).HasMaxLength(200);
        e.Property(d => d.ErrorCode).HasMaxLength(64);
        e.Property(d => d.ErrorMessage).HasMaxLength(1000);
        e.Property(d => d.PricingCategory).HasMaxLength(32);
        e.Property(d => d.PricingModel).HasMaxLength(32);
        e.Property(d => d.PricingType).HasMaxLength(32);
        e.HasOne<Message>().WithMany().HasForeignKey(d => d.MessageId).OnDelete(DeleteBehavior.Cascade);
        // No cascade through batches: SQL Server refuses two cascade paths from Messages.
        e.HasOne<MessageBatch>().WithMany().HasForeignKey(d => d.BatchId).OnDelete(DeleteBehavior.NoAction);
        e.HasOne<Contact>().WithMany().HasForeignKey(d => d.ContactId).OnDelete(DeleteBehavior.SetNull);
        e.HasIndex(d => new { d.MessageId, d.Status });
        e.HasIndex(d => new { d.MessageId, d.ContactId, d.AttemptNumber }).IsUnique();
        e.HasIndex(d => new { d.BatchId, d.Status });
        e.HasIndex(d => new { d.ContactId, d.SentAt });
        e.HasIndex(d => d.ProviderMessageId);
        // For cleaning up old sent deliveries by date. Not (Status, SentAt): SQLite, without statistics, would then
        // answer the send path's "Id IN (…) AND Status = …" by scanning every delivery with that status.
        e.HasIndex(d => d.SentAt);
    }
}
