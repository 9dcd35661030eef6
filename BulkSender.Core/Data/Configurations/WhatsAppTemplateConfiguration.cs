using BulkSender.Core.Templates;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class WhatsAppTemplateConfiguration : IEntityTypeConfiguration<WhatsAppTemplate>
{
    public void Configure(EntityTypeBuilder<WhatsAppTemplate> e)
    {
        e.Property(t => t.ProviderId).HasMaxLength(64);
        e.Property(t => t.Name).HasMaxLength(512);
        e.Property(t => t.Language).HasMaxLength(16);
        e.Property(t => t.Category).HasMaxLength(32);
        e.Property(t => t.Status).HasMaxLength(32);
        e.Property(t => t.StatusReason).HasMaxLength(500);
        e.HasIndex(t => new { t.Name, t.Language }).IsUnique();
        e.HasIndex(t => t.ProviderId);
    }
}
