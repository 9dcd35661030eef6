using BulkSender.Core.Campaigns;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> builder)
    {
        builder.HasOne(c => c.Message).WithOne().HasForeignKey<Campaign>(c => c.MessageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(c => c.MessageId).IsUnique();
        builder.HasIndex(c => new { c.Status, c.NextBatchAt });
        builder.HasMany(c => c.Days).WithOne().HasForeignKey(d => d.CampaignId).OnDelete(DeleteBehavior.Cascade);
    }
}
