using BulkSender.Core.Channels;

namespace BulkSender.Core.Contacts;

public sealed class Contact
{
    public int Id { get; set; }
    public ChannelKind Channel { get; set; }

    /// <summary>PSID for Messenger, e-mail address for Email, E.164 number for WhatsApp.</summary>
    public required string Address { get; set; }
    public required string Name { get; set; }
    public bool OptedOut { get; set; }
    public DateTime? OptedOutAt { get; set; }

    /// <summary>How the contact opted out when it was not by hand: an unsubscribe link, "STOP", a provider's refusal.</summary>
    public string? OptOutReason { get; set; }

    /// <summary>Last message the contact sent us; Messenger's 24-hour window counts from here.</summary>
    public DateTime? LastInboundAt { get; set; }

    /// <summary>WhatsApp's business-scoped user id (status webhooks' <c>recipient_user_id</c>), when Meta sent one.</summary>
    public string? BusinessScopedUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Goes up by one with every change, whoever makes it: an edit made on an older version is refused.</summary>
    public long Version { get; set; }

    public List<ContactTag> Tags { get; set; } = [];

    /// <summary>The values of the admin's custom fields (<see cref="ContactFieldDefinition"/>); a field without a row is empty.</summary>
    public List<ContactFieldValue> Fields { get; set; } = [];
}
