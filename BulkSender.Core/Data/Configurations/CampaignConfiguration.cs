using BulkSender.Core.Campaigns;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> e)
    {
        e.HasOne(c => c.Message).WithOne().HasForeignKey<Campaign>(c => c.MessageId).OnDelete(DeleteBehavior.Cascade);
        e.HasIndex(c => c.MessageId).IsUnique();
        e.HasIndex(c => new { c.Status, c.NextBatchAt });
        e.HasMany(c => c.Days).WithOne().HasForeignKey(d => d.CampaignId).OnDelete(DeleteBehavior.Cascade);
    }
}
