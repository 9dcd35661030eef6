namespace BulkSender.Core.Channels.WhatsApp;

/// <summary>
/// A contact WhatsApp's messaging limit counted (<see cref="WhatsAppMessagingLimit"/>): a template sent to it outside
/// the service window, last at <see cref="CountedAt"/>. It counts until 24 hours after that; older rows are deleted.
/// </summary>
public sealed class MessagingLimitContact
{
    public required string Address { get; set; }

    public DateTime CountedAt { get; set; }
}
