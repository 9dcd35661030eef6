namespace BulkSender.Core.Templates;

/// <summary>
/// One message template of the WhatsApp Business Account, as the last sync (or a status webhook) reported it. Name and
/// language together identify it; <see cref="Components"/> is the Graph API's components array as JSON.
/// </summary>
public sealed class WhatsAppTemplate
{
    public int Id { get; set; }

    /// <summary>Meta's id of the template (status webhooks name it).</summary>
    public string? ProviderId { get; set; }
    public required string Name { get; set; }

    /// <summary>The language code, e.g. "en_US": a send's <c>language.code</c>.</summary>
    public required string Language { get; set; }

    /// <summary>MARKETING, UTILITY or AUTHENTICATION.</summary>
    public required string Category { get; set; }

    /// <summary>APPROVED, PENDING, REJECTED, PAUSED, DISABLED…: only <see cref="TemplateStatuses.Approved"/> ones can be sent.</summary>
    public required string Status { get; set; }

    /// <summary>Why Meta rejected, paused or disabled it, when a status webhook said.</summary>
    public string? StatusReason { get; set; }
    public required string Components { get; set; }
    public DateTime SyncedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
