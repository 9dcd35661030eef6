using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;

namespace BulkSender.Core.Templates;

/// <summary>
/// What a template (Liquid text or a WhatsApp template parameter) can read for one recipient: the delivery's name and
/// address, the channel, and the contact's custom field values by key (missing: empty).
/// </summary>
public sealed record RecipientValues(string? Name, string Address, ChannelKind? Channel = null, IReadOnlyDictionary<string, string>? Fields = null);

/// <summary>
/// A contact field a template can use; <see cref="Key"/> is its name in templates and in the API. <see cref="Default"/>
/// is the admin's default of a custom field, which stands in for an empty value.
/// </summary>
public sealed record ContactField(string Key, string Label, Func<RecipientValues, string> Value, bool IsCustom = false, string? Default = null);

/// <summary>The fields of one moment: the standard ones, then the admin's custom fields.</summary>
public sealed class ContactFieldSet
{
    private readonly Dictionary<string, ContactField> byKey;

    public ContactFieldSet(IReadOnlyList<ContactField> all)
    {
        All = all;
        byKey = all.ToDictionary(f => f.Key, StringComparer.Ordinal);
    }

    /// <summary>In the order the compose form offers them.</summary>
    public IReadOnlyList<ContactField> All { get; }

    public IEnumerable<ContactField> Custom => All.Where(f => f.IsCustom);

    public ContactField? Find(string? key) => key is not null && byKey.TryGetValue(key, out var field) ? field : null;

    /// <summary>The keys, as an error message lists them ("name, first_name, address, channel, city").</summary>
    public string KeyList => string.Join(", ", All.Select(f => f.Key));
}

/// <summary>
/// The contact fields templates and template parameters can use, in the order the compose form offers them: the one
/// list the form, the API's validation and the send read. Standard fields first (<c>name</c>, the derived
/// <c>first_name</c>, <c>address</c>, <c>channel</c>), then the admin's custom fields (<see cref="With"/>).
/// </summary>
public static class ContactFields
{
    public static readonly ContactField Name = new("name", "Name", r => r.Name?.Trim() ?? "");

    /// <summary>Derived: the first word of the name.</summary>
    public static readonly ContactField FirstName = new("first_name", "First name",
        r => r.Name?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "");

    public static readonly ContactField Address = new("address", "Address", r => r.Address);

    public static readonly ContactField Channel = new("channel", "Channel", r => r.Channel is { } c ? ChannelName(c) : "");

    public static readonly IReadOnlyList<ContactField> Standard = [Name, FirstName, Address, Channel];

    /// <summary>Only the standard fields (no custom field defined).</summary>
    public static readonly ContactFieldSet StandardSet = new(Standard);

    /// <summary>The standard fields and the given custom ones.</summary>
    public static ContactFieldSet With(IEnumerable<ContactFieldDefinition> custom) =>
        new([.. Standard, .. custom.Select(Custom)]);

    /// <summary>A custom field: the contact's value, or the field's default when the value is empty.</summary>
    public static ContactField Custom(ContactFieldDefinition definition)
    {
        var (key, fallback) = (definition.Key, definition.DefaultValue ?? "");
        return new ContactField(key, definition.Label,
            r => r.Fields is not null && r.Fields.TryGetValue(key, out var value) && value.Length > 0 ? value : fallback,
            IsCustom: true, Default: definition.DefaultValue);
    }

    public static string ChannelName(ChannelKind channel) => channel switch
    {
        ChannelKind.Email => "E-mail",
        ChannelKind.WhatsApp => "WhatsApp",
        _ => channel.ToString(),
    };
}
