using BulkSender.Core.Channels;
using BulkSender.Core.Channels.RateLimits;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class RateLimitAccountConfiguration : IEntityTypeConfiguration<RateLimitAccount>
{
    public void Configure(EntityTypeBuilder<RateLimitAccount> builder)
    {
        builder.HasKey(a => a.Channel);
        builder.Property(a => a.Channel).ValueGeneratedNever();
        // One account per channel (the Page, number or SMTP server in its settings), there from the start: the limiter
        // only ever updates its row.
        builder.HasData(Enum.GetValues<ChannelKind>().Select(c => new RateLimitAccount { Channel = c }));
    }
}
