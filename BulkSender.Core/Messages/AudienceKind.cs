namespace BulkSender.Core.Messages;

public enum AudienceKind
{
    /// <summary>Contacts picked by hand (at most 2,000).</summary>
    Selection,

    /// <summary>Every active contact of the message's channel.</summary>
    Channel,

    /// <summary>Every active contact of the channel carrying <see cref="Message.AudienceTag"/>.</summary>
    Tag,
}
