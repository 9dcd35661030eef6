using BulkSender.Core.Contacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class ContactConfiguration : IEntityTypeConfiguration<Contact>
{
    public void Configure(EntityTypeBuilder<Contact> e)
    {
        e.Property(c => c.Address).HasMaxLength(320);
        e.Property(c => c.Name).HasMaxLength(200);
        e.Property(c => c.BusinessScopedUserId).HasMaxLength(128);
        e.HasIndex(c => new { c.Channel, c.Address }).IsUnique();
        e.HasIndex(c => c.Name);
        e.HasIndex(c => new { c.OptedOut, c.Channel });
        e.HasIndex(c => c.CreatedAt);
        e.HasMany(c => c.Tags).WithOne().HasForeignKey(t => t.ContactId).OnDelete(DeleteBehavior.Cascade);
        // Optimistic concurrency: every writer of a contact, set-based ones too, adds one to Version.
        e.Property(c => c.Version).IsConcurrencyToken();
    }
}
