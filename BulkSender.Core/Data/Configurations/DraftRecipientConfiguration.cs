using BulkSender.Core.Contacts;
using BulkSender.Core.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class DraftRecipientConfiguration : IEntityTypeConfiguration<DraftRecipient>
{
    public void Configure(EntityTypeBuilder<DraftRecipient> builder)
    {
        builder.HasKey(r => new { r.MessageId, r.ContactId });
        builder.HasOne<Message>().WithMany().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Contact>().WithMany().HasForeignKey(r => r.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}
