using BulkSender.Core.Templates;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class WhatsAppTemplateConfiguration : IEntityTypeConfiguration<WhatsAppTemplate>
{
    public void Configure(EntityTypeBuilder<WhatsAppTemplate> builder)
    {
        builder.Property(t => t.ProviderId).HasMaxLength(64);
        builder.Property(t => t.Name).HasMaxLength(512);
        builder.Property(t => t.Language).HasMaxLength(16);
        builder.Property(t => t.Category).HasMaxLength(32);
        builder.Property(t => t.Status).HasMaxLength(32);
        builder.Property(t => t.StatusReason).HasMaxLength(500);
        builder.HasIndex(t => new { t.Name, t.Language }).IsUnique();
        builder.HasIndex(t => t.ProviderId);
    }
}
