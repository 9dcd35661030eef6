using System.Globalization;
using BulkSender.Core.Channels;

namespace BulkSender.Core.Contacts;

/// <summary>A contact as a person types it: one CSV row, or the edit form.</summary>
public sealed class ContactInput
{
    public string Name { get; set; } = "";
    public string Channel { get; set; } = "";
    public string Address { get; set; } = "";

    /// <summary>Separated by ';', ',' or '|'.</summary>
    public string? Tags { get; set; }

    /// <summary>true/false, yes/no, 1/0, or empty for false.</summary>
    public string? OptedOut { get; set; }

    /// <summary>
    /// When the contact last wrote to us (Messenger's 24-hour window): ISO 8601, UTC unless it names an offset; empty for unknown.
    /// </summary>
    public string? LastInboundAt { get; set; }

    /// <summary>
    /// Custom field values by key (<see cref="ContactFieldDefinition"/>). On an edit, a key given sets the value (empty
    /// clears it) and a key left out keeps it; every key must be a defined field.
    /// </summary>
    public Dictionary<string, string?> Fields { get; set; } = [];

    public ChannelKind? ParsedChannel => ContactAddress.TryParseChannel(Channel, out var c) ? c : null;

    public string NormalizedAddress => ParsedChannel is { } c ? ContactAddress.Normalize(c, Address) : Address.Trim();

    public IReadOnlyList<string> ParsedTags => ContactTags.Parse(Tags);

    public bool? ParsedOptedOut => OptedOut?.Trim().ToLowerInvariant() switch
    {
        null or "" or "false" or "no" or "0" or "n" => false,
        "true" or "yes" or "1" or "y" => true,
        _ => null,
    };

    /// <summary>
    /// The ISO 8601 forms accepted for <see cref="LastInboundAt"/>: a date and time (with seconds and fractions optional) and an
    /// optional Z or offset.
    /// </summary>
    private static readonly string[] IsoFormats =
        ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
            "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mmK"];

    public bool HasLastInboundAt => !string.IsNullOrWhiteSpace(LastInboundAt);

    /// <summary>The parsed <see cref="LastInboundAt"/> in UTC; null when it is empty or not ISO 8601.</summary>
    public DateTime? ParsedLastInboundAt =>
        HasLastInboundAt && DateTimeOffset.TryParseExact(LastInboundAt!.Trim(), IsoFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var at)
            ? at.UtcDateTime
            : null;
}
