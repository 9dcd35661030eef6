using System.Text.Json;
using BulkSender.Core.Messages;
using BulkSender.Core.Templates;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BulkSender.Core.Data.Configurations;

public sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> e)
    {
        e.Property(m => m.Title).HasMaxLength(200);
        e.Property(m => m.Content).HasMaxLength(20_000);
        e.Property(m => m.MessageTag).HasMaxLength(64);
        e.Property(m => m.AudienceTag).HasMaxLength(64);
        e.Property(m => m.WhatsAppTemplate).HasMaxLength(20_000).HasConversion(c => ToJson(c), json => FromJson(json),
            new ValueComparer<TemplateChoice?>((a, b) => ToJson(a) == ToJson(b), c => ToJson(c).GetHashCode(StringComparison.Ordinal), c => c));
        e.Property(m => m.Summary).HasMaxLength(500);
        e.Property(m => m.CreatedById).HasMaxLength(450);
        e.Property(m => m.CreatedByName).HasMaxLength(256);
        e.HasIndex(m => new { m.Status, m.CreatedAt });
        e.HasIndex(m => m.CreatedAt);
        e.HasIndex(m => new { m.RetryPolicy, m.NextRetryAt });
        e.HasIndex(m => new { m.Status, m.ScheduledAt });
    }

    private static string ToJson(TemplateChoice? choice) => JsonSerializer.Serialize(choice, JsonSerializerOptions.Web);

    private static TemplateChoice? FromJson(string json) => JsonSerializer.Deserialize<TemplateChoice>(json, JsonSerializerOptions.Web);
}
