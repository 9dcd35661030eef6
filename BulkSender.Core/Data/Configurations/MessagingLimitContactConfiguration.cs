using BulkSender.Core.Channels.WhatsApp;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class MessagingLimitContactConfiguration : IEntityTypeConfiguration<MessagingLimitContact>
{
    public void Configure(EntityTypeBuilder<MessagingLimitContact> builder)
    {
        builder.HasKey(c => c.Address);
        builder.Property(c => c.Address).HasMaxLength(320);
        builder.HasIndex(c => c.CountedAt);
    }
}
