using BulkSender.Core.Contacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

/// <summary>
/// One row per contact and field (a narrow table rather than a JSON column: the same SQL filters on SQLite and SQL
/// Server, and the (FieldKey, Value) index serves the grid's filter and the preview's "have no city" count).
/// </summary>
public sealed class ContactFieldValueConfiguration : IEntityTypeConfiguration<ContactFieldValue>
{
    public void Configure(EntityTypeBuilder<ContactFieldValue> builder)
    {
        builder.HasKey(v => new { v.ContactId, v.FieldKey });
        builder.Property(v => v.FieldKey).HasMaxLength(ContactFieldKeys.MaxLength);
        builder.Property(v => v.Value).HasMaxLength(ContactFieldKeys.MaxValueLength);
        builder.HasIndex(v => new { v.FieldKey, v.Value });
    }
}
