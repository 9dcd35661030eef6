using System.Text.Json.Serialization;
using BulkSender.Core.Channels;
using BulkSender.Core.Retries;
using BulkSender.Core.Templates;

namespace BulkSender.Core.Messages;

public enum SendTiming
{
    /// <summary>Batches are enqueued as soon as the send is created.</summary>
    Now,

    /// <summary>Held until <see cref="ComposeModel.ScheduledAt"/>.</summary>
    At,

    /// <summary>Saved without recipients being written; can be reopened, edited and sent.</summary>
    Draft,

    /// <summary>
    /// A daily-limited campaign: <see cref="ComposeModel.DailyLimit"/> recipients a day, from <see cref="ComposeModel.ScheduledAt"/>
    /// (or now).
    /// </summary>
    Campaign,
}

/// <summary>
/// What the compose form edits and what <c>POST /api/messages</c> accepts (snake_case in JSON). Mutable because
/// MudForm binds to setters; <see cref="ComposeValidator"/> checks it in both places.
/// </summary>
public class ComposeModel
{
    public string Title { get; set; } = "";
    public string Content { get; set; } = "";
    public ChannelKind Channel { get; set; }

    /// <summary>
    /// Messenger only, and only from sends saved before 2026-04-27: a bulk send carries no tag (the validator refuses
    /// retired tags and HUMAN_AGENT; a saved message's tag is dropped when it is sent).
    /// </summary>
    public string? MessageTag { get; set; }

    /// <summary>WhatsApp only: the approved template to send and its parameters; null sends <see cref="Content"/> as free text.</summary>
    /// <remarks>The API's naming policy would say "whats_app_template"; the product's name for it is one word.</remarks>
    [JsonPropertyName("whatsapp_template")]
    public WhatsAppTemplateInput? WhatsAppTemplate { get; set; }

    /// <summary>An uploaded image or PDF (<c>POST /api/attachments</c>, or the compose page's upload) every recipient gets.</summary>
    public int? AttachmentId { get; set; }

    public AudienceKind Audience { get; set; }

    /// <summary>For <see cref="AudienceKind.Selection"/>: the hand-picked contacts (at most 2,000).</summary>
    public List<int> ContactIds { get; set; } = [];

    /// <summary>For <see cref="AudienceKind.Tag"/>.</summary>
    public string? AudienceTag { get; set; }

    public SendTiming When { get; set; }

    /// <summary>For <see cref="SendTiming.At"/>: UTC.</summary>
    public DateTime? ScheduledAt { get; set; }

    /// <summary>For <see cref="SendTiming.Campaign"/>: at most this many recipients a day (1–10,000).</summary>
    public int? DailyLimit { get; set; }

    /// <summary>Null: the default from settings.</summary>
    public RetryPolicyType? RetryPolicy { get; set; }

    /// <summary>Null: the default from settings.</summary>
    public int? MaxAttempts { get; set; }

    public static ComposeModel From(Message message, IEnumerable<int> draftContactIds) => new()
    {
        Title = message.Title,
        Content = message.Content,
        Channel = message.Channel,
        MessageTag = null, // A tag saved before 2026-04-27 is retired (or HUMAN_AGENT, never for bulk): the draft goes on without it.
        WhatsAppTemplate = message.WhatsAppTemplate?.ToInput(),
        AttachmentId = message.AttachmentId,
        Audience = message.Audience,
        AudienceTag = message.AudienceTag,
        ContactIds = draftContactIds.ToList(),
        When = message.ScheduledAt is null ? SendTiming.Now : SendTiming.At,
        ScheduledAt = message.ScheduledAt,
        RetryPolicy = message.RetryPolicy,
        MaxAttempts = message.MaxAttempts,
    };
}
