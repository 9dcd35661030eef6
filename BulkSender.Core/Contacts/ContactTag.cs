namespace BulkSender.Core.Contacts;

public sealed class ContactTag
{
    public int ContactId { get; set; }
    public required string Tag { get; set; }
}
