using BulkSender.Core.Dispatch;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class MessageBatchConfiguration : IEntityTypeConfiguration<MessageBatch>
{
    public void Configure(EntityTypeBuilder<MessageBatch> e)
    {
        e.Property(b => b.Error).HasMaxLength(2000);
        e.Property(b => b.ClaimedBy).HasMaxLength(200);
        e.Property(b => b.JobId).HasMaxLength(64);
        e.HasOne(b => b.Message).WithMany().HasForeignKey(b => b.MessageId).OnDelete(DeleteBehavior.Cascade);
        e.HasIndex(b => new { b.MessageId, b.Number }).IsUnique();
        e.HasIndex(b => new { b.Status, b.HeartbeatAt });
        e.HasIndex(b => new { b.Status, b.DueAt });
    }
}
