namespace BulkSender.Core.Contacts;

/// <summary>One contact's value of one custom field; an empty value has no row.</summary>
public sealed class ContactFieldValue
{
    public int ContactId { get; set; }
    public required string FieldKey { get; set; }
    public required string Value { get; set; }
}
