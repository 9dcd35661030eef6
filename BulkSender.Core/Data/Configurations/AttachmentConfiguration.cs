using BulkSender.Core.Attachments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class AttachmentConfiguration : IEntityTypeConfiguration<Attachment>
{
    public void Configure(EntityTypeBuilder<Attachment> builder)
    {
        builder.Property(a => a.Token).HasMaxLength(32);
        builder.HasIndex(a => a.Token).IsUnique();
        builder.Property(a => a.FileName).HasMaxLength(AttachmentRules.MaxFileNameLength);
        builder.Property(a => a.ContentType).HasMaxLength(64);
        builder.Property(a => a.CreatedById).HasMaxLength(450);
    }
}
