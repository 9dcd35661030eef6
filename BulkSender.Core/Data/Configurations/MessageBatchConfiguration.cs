using BulkSender.Core.Dispatch;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class MessageBatchConfiguration : IEntityTypeConfiguration<MessageBatch>
{
    public void Configure(EntityTypeBuilder<MessageBatch> builder)
    {
        builder.Property(b => b.Error).HasMaxLength(2000);
        builder.Property(b => b.ClaimedBy).HasMaxLength(200);
        builder.Property(b => b.JobId).HasMaxLength(64);
        builder.HasOne(b => b.Message).WithMany().HasForeignKey(b => b.MessageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(b => new { b.MessageId, b.Number }).IsUnique();
        builder.HasIndex(b => new { b.Status, b.HeartbeatAt });
        builder.HasIndex(b => new { b.Status, b.DueAt });
    }
}
