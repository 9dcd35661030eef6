namespace BulkSender.Core.Channels;

/// <summary>What an adapter needs to reach one recipient; <see cref="Template"/> is set for a WhatsApp template message.</summary>
public sealed record OutgoingMessage(
    long DeliveryId,
    int MessageId,
    ChannelKind Channel,
    string Address,
    string? Name,
    int AttemptNumber,
    string Title,
    string Content,
    string? MessageTag,
    OutgoingTemplate? Template = null)
{
    /// <summary>A reply a person wrote to this one contact (Messenger sends it with the HUMAN_AGENT tag); never a bulk send.</summary>
    public bool IsHumanReply { get; init; }

    /// <summary>
    /// E-mail: <see cref="Content"/> personalized with each value HTML-encoded (the text around the values as written),
    /// for an HTML part; null for other channels.
    /// </summary>
    public string? HtmlEncodedContent { get; init; }
}
