using BulkSender.Core.Idempotency;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> e)
    {
        e.ToTable("IdempotencyKeys");
        // The key of the table is the client's key per user: a second insert of it fails (or, while the first
        // transaction is open, waits for it), which is what makes a repeated request find the first one's answer.
        // 128 + 255 characters stay under SQL Server's 900-byte limit for a clustered key.
        e.HasKey(r => new { r.UserId, r.Key });
        e.Property(r => r.UserId).HasMaxLength(128);
        e.Property(r => r.Key).HasMaxLength(IdempotencyKeys.MaxKeyLength);
        e.Property(r => r.RequestHash).HasMaxLength(64);
        e.HasIndex(r => r.CreatedAt);
    }
}
