namespace BulkSender.Core.Contacts;

/// <summary>
/// A custom contact field an admin defined (Settings → Contact fields, or a confirmed import): its key is the name
/// templates use (<c>{{ city }}</c>) and the API's <c>fields</c> object carries; <see cref="DefaultValue"/> stands in
/// for a contact whose value is empty.
/// </summary>
public sealed class ContactFieldDefinition
{
    public required string Key { get; set; }
    public required string Label { get; set; }
    public string? DefaultValue { get; set; }
    public DateTime CreatedAt { get; set; }
}
