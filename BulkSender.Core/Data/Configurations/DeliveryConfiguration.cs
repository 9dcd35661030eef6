using BulkSender.Core.Contacts;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Delivery> builder)
    {
        builder.Property(d => d.RecipientAddress).HasMaxLength(320);
        builder.Property(d => d.RecipientName).HasMaxLength(200);
        builder.Property(d => d.ProviderMessageId).HasMaxLength(200);
        builder.Property(d => d.ErrorCode).HasMaxLength(64);
        builder.Property(d => d.ErrorMessage).HasMaxLength(1000);
        builder.Property(d => d.PricingCategory).HasMaxLength(32);
        builder.Property(d => d.PricingModel).HasMaxLength(32);
        builder.Property(d => d.PricingType).HasMaxLength(32);
        builder.HasOne<Message>().WithMany().HasForeignKey(d => d.MessageId).OnDelete(DeleteBehavior.Cascade);
        // No cascade through batches: SQL Server refuses two cascade paths from Messages.
        builder.HasOne<MessageBatch>().WithMany().HasForeignKey(d => d.BatchId).OnDelete(DeleteBehavior.NoAction);
        builder.HasOne<Contact>().WithMany().HasForeignKey(d => d.ContactId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(d => new { d.MessageId, d.Status });
        builder.HasIndex(d => new { d.MessageId, d.ContactId, d.AttemptNumber }).IsUnique();
        builder.HasIndex(d => new { d.BatchId, d.Status });
        builder.HasIndex(d => new { d.ContactId, d.SentAt });
        builder.HasIndex(d => d.ProviderMessageId);
        // For cleaning up old sent deliveries by date. Not (Status, SentAt): SQLite, without statistics, would then
        // answer the send path's "Id IN (…) AND Status = …" by scanning every delivery with that status.
        builder.HasIndex(d => d.SentAt);
    }
}
