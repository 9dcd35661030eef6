using BulkSender.Core.Contacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class ContactTagConfiguration : IEntityTypeConfiguration<ContactTag>
{
    public void Configure(EntityTypeBuilder<ContactTag> builder)
    {
        builder.HasKey(t => new { t.ContactId, t.Tag });
        builder.Property(t => t.Tag).HasMaxLength(64);
        builder.HasIndex(t => new { t.Tag, t.ContactId });
    }
}
