namespace BulkSender.Core.Templates;

/// <summary>What a template parameter can be filled from for one recipient: the delivery's name and address.</summary>
public sealed record RecipientValues(string? Name, string Address);

/// <summary>A contact field a template parameter can be mapped to; <see cref="Key"/> is its name in the API.</summary>
public sealed record ContactField(string Key, string Label, Func<RecipientValues, string> Value);

/// <summary>
/// The contact fields template parameters can be mapped to, in the order the compose form offers them: the one list
/// the form, the API's validation and the send read (custom fields join it here).
/// </summary>
public static class ContactFields
{
    public static readonly ContactField Name = new("name", "Name", r => r.Name?.Trim() ?? "");

    /// <summary>Derived: the first word of the name.</summary>
    public static readonly ContactField FirstName = new("first_name", "First name",
        r => r.Name?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "");

    public static readonly ContactField Address = new("address", "Address (phone number)", r => r.Address);

    public static readonly IReadOnlyList<ContactField> All = [Name, FirstName, Address];

    public static ContactField? Find(string? key) => All.FirstOrDefault(f => f.Key == key);
}
