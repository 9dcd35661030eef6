namespace BulkSender.Core.Messages;

/// <summary>
/// A hand-picked contact kept with a draft. Drafts have no deliveries; when the draft is sent, these rows
/// become deliveries and are removed.
/// </summary>
public sealed class DraftRecipient
{
    public int MessageId { get; set; }
    public int ContactId { get; set; }
}
