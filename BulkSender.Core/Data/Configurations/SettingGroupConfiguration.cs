using BulkSender.Core.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

/// <summary>Optimistic concurrency of settings forms: one row per group, there from the start.</summary>
public sealed class SettingGroupConfiguration : IEntityTypeConfiguration<SettingGroup>
{
    public void Configure(EntityTypeBuilder<SettingGroup> e)
    {
        e.HasKey(g => g.Name);
        e.Property(g => g.Name).HasMaxLength(64);
        e.HasData(SettingVersions.All.Select(name => new SettingGroup { Name = name, Version = 1 }));
    }
}
