using BulkSender.Core.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

/// <summary>Optimistic concurrency of settings forms: one row per group, there from the start.</summary>
public sealed class SettingGroupConfiguration : IEntityTypeConfiguration<SettingGroup>
{
    public void Configure(EntityTypeBuilder<SettingGroup> builder)
    {
        builder.HasKey(g => g.Name);
        builder.Property(g => g.Name).HasMaxLength(64);
        builder.HasData(SettingVersions.All.Select(name => new SettingGroup { Name = name, Version = 1 }));
    }
}
