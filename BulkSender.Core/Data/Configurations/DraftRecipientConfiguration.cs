using BulkSender.Core.Contacts;
using BulkSender.Core.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class DraftRecipientConfiguration : IEntityTypeConfiguration<DraftRecipient>
{
    public void Configure(EntityTypeBuilder<DraftRecipient> e)
    {
        e.HasKey(r => new { r.MessageId, r.ContactId });
        e.HasOne<Message>().WithMany().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<Contact>().WithMany().HasForeignKey(r => r.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}
