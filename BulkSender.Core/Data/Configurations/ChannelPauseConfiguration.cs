using BulkSender.Core.Channels.Pauses;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class ChannelPauseConfiguration : IEntityTypeConfiguration<ChannelPause>
{
    public void Configure(EntityTypeBuilder<ChannelPause> builder)
    {
        builder.HasKey(p => p.Channel);
        builder.Property(p => p.ErrorCode).HasMaxLength(64);
        builder.Property(p => p.Reason).HasMaxLength(1000);
    }
}
