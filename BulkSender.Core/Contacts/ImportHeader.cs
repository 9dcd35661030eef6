namespace BulkSender.Core.Contacts;

/// <summary>A column of an import read as a custom field: its key, the header as written (the new field's label), its index.</summary>
public sealed record ImportField(string Key, string Label, int Column);

/// <summary>
/// The header row of a contact import. Names are matched loosely (case, surrounding space, spaces and dashes as
/// underscores, a few synonyms such as e-mail/phone for address); the first column of a field is the one read.
/// Any other named column is a custom contact field (<see cref="Fields"/>: its key is the header in snake_case, as
/// <see cref="ContactFieldKeys.FromHeader"/> makes it). Ignored, and said so: a column whose name cannot be a field's key
/// (a standard name such as id), a second column of a field already read, and a column without a name that holds
/// values (an empty one, as a trailing comma makes, is not worth a mention).
/// </summary>
public sealed class ImportHeader
{
    public const string Name = "name";
    public const string Address = "address";
    public const string Channel = "channel";
    public const string Tags = "tags";
    public const string OptedOut = "opted_out";
    public const string LastInboundAt = "last_inbound_at";

    private static readonly string[] Required = [Name, Address, Channel];
    private static readonly string[] Known = [.. Required, Tags, OptedOut, LastInboundAt];

    private readonly string[] names;
    private readonly Dictionary<string, int> read = [];
    private readonly List<int> unnamed = [];
    private readonly List<ImportField> fields = [];

    public ImportHeader(IReadOnlyList<string> columns)
    {
        names = columns.Select(Display).ToArray();
        for (var i = 0; i < columns.Count; i++)
        {
            if (names[i].Length == 0)
                unnamed.Add(i);
            else if (Canonical(columns[i]) is var field && Known.Contains(field))
                read.TryAdd(field, i);
            else if (ContactFieldKeys.FromHeader(names[i]) is { } key && ContactFieldKeys.Problem(key) is null && fields.All(f => f.Key != key))
                fields.Add(new ImportField(key, names[i], i));
        }
    }

    /// <summary>The columns read as custom fields, in file order.</summary>
    public IReadOnlyList<ImportField> Fields => fields;

    /// <summary>True when no column has a name (an empty first line).</summary>
    public bool IsEmpty => unnamed.Count == names.Length;

    public IReadOnlyList<string> Missing => Required.Where(r => !read.ContainsKey(r)).ToList();

    /// <summary>Columns without a name: whether they hold values is only known from the rows.</summary>
    public IReadOnlyList<int> Unnamed => unnamed;

    public bool Has(string field) => read.ContainsKey(field);

    /// <summary>The column of a known field, or -1.</summary>
    public int IndexOf(string field) => read.GetValueOrDefault(field, -1);

    /// <summary>The columns the import does not read, in file order, as people read them ("notes", "phone (a second address column)").</summary>
    public IReadOnlyList<string> Ignored(IReadOnlySet<int> unnamedWithValues)
    {
        var ignored = new List<string>();
        for (var i = 0; i < names.Length; i++)
        {
            if (names[i].Length == 0)
            {
                if (unnamedWithValues.Contains(i))
                    ignored.Add($"column {i + 1} (no name)");
            }
            else if (fields.Any(f => f.Column == i))
                continue;
            else if (Canonical(names[i]) is var field && !Known.Contains(field))
                ignored.Add(ContactFieldKeys.FromHeader(names[i]) is { } key && fields.Any(f => f.Key == key)
                    ? $"{names[i]} (a second {key} column)"
                    : names[i]);
            else if (read[field] != i)
                ignored.Add($"{names[i]} (a second {field} column)");
        }
        return ignored;
    }

    /// <summary>A header as written, on one line: line breaks and runs of white space become one space.</summary>
    private static string Display(string header) => string.Join(' ', header.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static string Canonical(string header) => Display(header).ToLowerInvariant().Replace(' ', '_').Replace("-", "_") switch
    {
        "optedout" or "opt_out" or "optout" or "unsubscribed" => OptedOut,
        "tag" => Tags,
        "lastinboundat" or "last_inbound" or "last_message_at" => LastInboundAt,
        "e_mail" or "email" or "phone" or "psid" => Address,
        var other => other,
    };
}
