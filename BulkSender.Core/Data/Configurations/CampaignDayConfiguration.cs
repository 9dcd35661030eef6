using BulkSender.Core.Campaigns;
using BulkSender.Core.Dispatch;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class CampaignDayConfiguration : IEntityTypeConfiguration<CampaignDay>
{
    public void Configure(EntityTypeBuilder<CampaignDay> builder)
    {
        builder.HasIndex(d => new { d.CampaignId, d.DayNumber }).IsUnique();
        builder.HasOne<MessageBatch>().WithMany().HasForeignKey(d => d.BatchId).OnDelete(DeleteBehavior.NoAction);
    }
}
