namespace BulkSender.Core.Channels;

/// <summary>The provider a contact is reached through. Each has its own address format and adapter.</summary>
public enum ChannelKind
{
    Messenger,
    Email,
    WhatsApp,
}
