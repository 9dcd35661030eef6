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
    OutgoingTemplate? Template = null);
