using BulkSender.Core.Contacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class ContactConfiguration : IEntityTypeConfiguration<Contact>
{
    public void Configure(EntityTypeBuilder<Contact> builder)
    {
        builder.Property(c => c.Address).HasMaxLength(320);
        builder.Property(c => c.Name).HasMaxLength(200);
        builder.Property(c => c.OptOutReason).HasMaxLength(500);
        builder.Property(c => c.BusinessScopedUserId).HasMaxLength(128);
        builder.HasIndex(c => new { c.Channel, c.Address }).IsUnique();
        builder.HasIndex(c => c.Name);
        builder.HasIndex(c => new { c.OptedOut, c.Channel });
        builder.HasIndex(c => c.CreatedAt);
        builder.HasMany(c => c.Tags).WithOne().HasForeignKey(t => t.ContactId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(c => c.Fields).WithOne().HasForeignKey(v => v.ContactId).OnDelete(DeleteBehavior.Cascade);
        // Optimistic concurrency: every writer of a contact, set-based ones too, adds one to Version.
        builder.Property(c => c.Version).IsConcurrencyToken();
    }
}
