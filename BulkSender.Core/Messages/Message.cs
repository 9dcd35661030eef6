using BulkSender.Core.Channels;
using BulkSender.Core.Retries;
using BulkSender.Core.Templates;

namespace BulkSender.Core.Messages;

public sealed class Message
{
    public int Id { get; set; }
    public required string Title { get; set; }
    public required string Content { get; set; }
    public ChannelKind Channel { get; set; }

    /// <summary>Messenger message tag (e.g. CONFIRMED_EVENT_UPDATE) for recipients outside the 24-hour window.</summary>
    public string? MessageTag { get; set; }

    /// <summary>WhatsApp: the template sent, with each parameter's contact field or text (a JSON column); null for free text.</summary>
    public TemplateChoice? WhatsAppTemplate { get; set; }

    /// <summary>The image or PDF every recipient gets with the text; retries and campaign days reuse it.</summary>
    public int? AttachmentId { get; set; }
    public MessageStatus Status { get; set; }

    /// <summary>How the recipients were chosen; the recipients themselves are delivery rows.</summary>
    public AudienceKind Audience { get; set; }
    public string? AudienceTag { get; set; }

    /// <summary>When a scheduled send is due (UTC); null for "now" and drafts.</summary>
    public DateTime? ScheduledAt { get; set; }

    public RetryPolicyType RetryPolicy { get; set; }
    public int MaxAttempts { get; set; }
    public int RetryCount { get; set; }
    public DateTime? NextRetryAt { get; set; }

    public int TotalRecipients { get; set; }
    public int SentCount { get; set; }
    public int FailedCount { get; set; }

    /// <summary>Recipients not sent to because they opted out after the send was created.</summary>
    public int SkippedCount { get; set; }
    public int BatchCount { get; set; }
    public string? Summary { get; set; }

    public string? CreatedById { get; set; }
    public string? CreatedByName { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}
