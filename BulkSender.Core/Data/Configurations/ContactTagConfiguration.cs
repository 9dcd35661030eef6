using BulkSender.Core.Contacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class ContactTagConfiguration : IEntityTypeConfiguration<ContactTag>
{
    public void Configure(EntityTypeBuilder<ContactTag> e)
    {
        e.HasKey(t => new { t.ContactId, t.Tag });
        e.Property(t => t.Tag).HasMaxLength(64);
        e.HasIndex(t => new { t.Tag, t.ContactId });
    }
}
