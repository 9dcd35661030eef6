using System.Text.RegularExpressions;

namespace BulkSender.Core.Contacts;

/// <summary>
/// What a custom field's key may be: lowercase snake_case (letters, digits, single underscores, starting with a
/// letter), at most <see cref="MaxLength"/> characters, and none of the standard names (the contact's own columns, the
/// derived <c>first_name</c>, the import's other columns and synonyms, and Liquid's literals).
/// </summary>
public static partial class ContactFieldKeys
{
    public const int MaxLength = 40;
    public const int MaxLabelLength = 100;
    public const int MaxValueLength = 1000;

    /// <summary>Names a custom field cannot take.</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal)
    {
        "name", "first_name", "address", "channel", "tags", "tag", "opted_out", "last_inbound_at", "id", "email", "e_mail", "phone",
        "psid", "version", "created_at", "updated_at", "fields", "empty", "blank", "nil", "null", "true", "false", "forloop",
    };

    /// <summary>Why <paramref name="key"/> cannot be a field's key, or null when it can.</summary>
    public static string? Problem(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
            return "Give the field a key.";
        if (key.Length > MaxLength)
            return $"The key is longer than {MaxLength} characters.";
        if (!KeyPattern().IsMatch(key))
            return $"'{key}' is not a key: use lowercase letters, digits and single underscores, starting with a letter (e.g. city, plan_2026).";
        if (Reserved.Contains(key))
            return $"'{key}' is a standard name: choose another key.";
        return null;
    }

    /// <summary>A CSV header as a key ("Plan Type" → plan_type); null when nothing usable is left.</summary>
    public static string? FromHeader(string header)
    {
        var key = NonKey().Replace(header.Trim().ToLowerInvariant(), "_").Trim('_');
        return key.Length == 0 ? null : key;
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonKey();
}
