using System.Text.Json;
using BulkSender.Core.Messages;
using BulkSender.Core.Templates;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> builder)
    {
        builder.Property(m => m.Title).HasMaxLength(200);
        builder.Property(m => m.Content).HasMaxLength(20_000);
        builder.Property(m => m.MessageTag).HasMaxLength(64);
        builder.Property(m => m.AudienceTag).HasMaxLength(64);
        builder.Property(m => m.WhatsAppTemplate).HasMaxLength(20_000).HasConversion(c => ToJson(c), json => FromJson(json),
            new ValueComparer<TemplateChoice?>((a, b) => ToJson(a) == ToJson(b), c => ToJson(c).GetHashCode(StringComparison.Ordinal), c => c));
        builder.Property(m => m.Summary).HasMaxLength(500);
        builder.HasOne<Attachments.Attachment>().WithMany().HasForeignKey(m => m.AttachmentId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(m => m.CreatedById).HasMaxLength(450);
        builder.Property(m => m.CreatedByName).HasMaxLength(256);
        builder.HasIndex(m => new { m.Status, m.CreatedAt });
        builder.HasIndex(m => m.CreatedAt);
        builder.HasIndex(m => new { m.RetryPolicy, m.NextRetryAt });
        builder.HasIndex(m => new { m.Status, m.ScheduledAt });
    }

    private static string ToJson(TemplateChoice? choice) => JsonSerializer.Serialize(choice, JsonSerializerOptions.Web);

    private static TemplateChoice? FromJson(string json) => JsonSerializer.Deserialize<TemplateChoice>(json, JsonSerializerOptions.Web);
}
