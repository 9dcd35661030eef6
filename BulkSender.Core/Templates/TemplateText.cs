using System.Text.Json;
using System.Text.RegularExpressions;

namespace BulkSender.Core.Templates;

/// <summary>
/// Reads a template's components (the Graph API's JSON array): the text of its header and body, their parameters
/// (<see cref="TemplateSlot"/>, header first, each in order of first appearance), and the text with values put in.
/// </summary>
public static partial class TemplateText
{
    public const string Header = "header";
    public const string Body = "body";

    /// <summary>
    /// Meta's limits on a text parameter of a template send (Cloud API, template message parameters): 60 characters in
    /// the header; in the body 32,768 when the template has no other components, else 1,024. BulkSender applies 1,024 to
    /// every body parameter, the limit that holds for every template (a template's whole body is at most 1,024 too).
    /// </summary>
    public const int MaxHeaderParameter = 60;

    public const int MaxBodyParameter = 1024;

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex Placeholder();

    /// <summary>The text of the template's TEXT header, or of its body; null when it has none.</summary>
    public static string? Of(string components, string component)
    {
        using var document = Parse(components);
        foreach (var c in document.RootElement.EnumerateArray())
        {
            if (!string.Equals(Property(c, "type"), component, StringComparison.OrdinalIgnoreCase))
                continue;
            if (component == Header && Property(c, "format") is { } format && !string.Equals(format, "TEXT", StringComparison.OrdinalIgnoreCase))
                return null;
            return Property(c, "text");
        }
        return null;
    }

    /// <summary>The format of the template's header in upper case (TEXT, IMAGE, DOCUMENT, VIDEO, LOCATION); null without a header.</summary>
    public static string? HeaderFormat(string components)
    {
        using var document = Parse(components);
        foreach (var c in document.RootElement.EnumerateArray())
            if (string.Equals(Property(c, "type"), Header, StringComparison.OrdinalIgnoreCase))
                return (Property(c, "format") ?? "TEXT").ToUpperInvariant();
        return null;
    }

    /// <summary>The parameters to fill: the header's, then the body's, each once, in order of first appearance.</summary>
    public static IReadOnlyList<TemplateSlot> Slots(string components) =>
        [.. SlotsOf(Of(components, Header), Header), .. SlotsOf(Of(components, Body), Body)];

    private static IEnumerable<TemplateSlot> SlotsOf(string? text, string component) =>
        text is null ? [] : Placeholder().Matches(text).Select(m => m.Groups[1].Value).Distinct().Select(key => new TemplateSlot(component, key));

    /// <summary>The text with each <c>{{key}}</c> replaced by its value (left as it is when there is none).</summary>
    public static string Fill(string text, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(text, m => values.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);

    private static JsonDocument Parse(string components)
    {
        try
        {
            var document = JsonDocument.Parse(components);
            if (document.RootElement.ValueKind == JsonValueKind.Array)
                return document;
            document.Dispose();
        }
        catch (JsonException)
        {
        }
        return JsonDocument.Parse("[]");
    }

    private static string? Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
