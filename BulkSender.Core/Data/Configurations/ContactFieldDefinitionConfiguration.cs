using BulkSender.Core.Contacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class ContactFieldDefinitionConfiguration : IEntityTypeConfiguration<ContactFieldDefinition>
{
    public void Configure(EntityTypeBuilder<ContactFieldDefinition> builder)
    {
        builder.HasKey(f => f.Key);
        builder.Property(f => f.Key).HasMaxLength(ContactFieldKeys.MaxLength);
        builder.Property(f => f.Label).HasMaxLength(ContactFieldKeys.MaxLabelLength);
        builder.Property(f => f.DefaultValue).HasMaxLength(ContactFieldKeys.MaxValueLength);
        // Deleting a field deletes its values.
        builder.HasMany<ContactFieldValue>().WithOne().HasForeignKey(v => v.FieldKey).OnDelete(DeleteBehavior.Cascade);
    }
}
