using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace BulkSender.Web.Features.Shared;

/// <summary>
/// Says what is wrong with a JSON body the reader refused, in the API's own terms: the field by its JSON path
/// (<c>contact_ids</c>, <c>contact_ids[2]</c>, <c>values.Host</c>; <see cref="Body"/> for the body as a whole) and
/// what it must be, found by walking the body type's JSON contract along that path. Nothing of .NET's type names.
/// </summary>
public static partial class JsonBodyErrors
{
    /// <summary>The name for the body itself: not JSON, not an object, or missing.</summary>
    public const string Body = "body";

    public static (string Field, string Message) Describe(JsonException exception, Type? bodyType, JsonSerializerOptions options)
    {
        // The reader's own failures (not JSON at all, or cut short) come wrapped; a value of the wrong kind does not.
        if (exception.InnerException is JsonException)
            return (Body, exception.LineNumber is { } line && exception.BytePositionInLine is { } position
                ? $"The body is not valid JSON (line {line + 1}, position {position + 1})."
                : "The body is not valid JSON.");

        var segments = Segments(exception.Path);
        if (segments.Count == 0)
            return (Body, bodyType is null
                ? "The body does not have the expected shape."
                : $"The body must be {Expected(bodyType, options, nullable: false).One}.");

        var field = string.Concat(segments.Select((s, i) => s.StartsWith('[') || i == 0 ? s : "." + s));
        return Walk(bodyType, segments, options) is { } target
            ? (field, $"{field} must be {Expected(target.Type, options, target.Nullable).One}.")
            : (field, $"{field} has a value of the wrong type.");
    }

    /// <summary>"$.values.Host", "$.contact_ids[2]", "$['odd name']" → ["values", "Host"], ["contact_ids", "[2]"], ["odd name"].</summary>
    private static List<string> Segments(string? path)
    {
        var segments = new List<string>();
        foreach (Match match in PathSegment().Matches(path ?? ""))
            segments.Add(match.Groups["name"].Success ? match.Groups["name"].Value
                : match.Groups["quoted"].Success ? match.Groups["quoted"].Value
                : $"[{match.Groups["index"].Value}]");
        return segments;
    }

    /// <summary>The type found at the path, and whether null is allowed there (unknown for the items of a collection of references).</summary>
    private static (Type Type, bool? Nullable)? Walk(Type? type, List<string> segments, JsonSerializerOptions options)
    {
        bool? nullable = false;
        foreach (var segment in segments)
        {
            if (type is null)
                return null;
            var info = options.GetTypeInfo(type);
            if (segment.StartsWith('[') || info.Kind == JsonTypeInfoKind.Dictionary)
            {
                type = info.Kind is JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary ? info.ElementType : null;
                nullable = type is null || !type.IsValueType ? null : Nullable.GetUnderlyingType(type) is not null;
                continue;
            }
            var comparison = options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            var property = info.Kind == JsonTypeInfoKind.Object
                ? info.Properties.FirstOrDefault(p => string.Equals(p.Name, segment, comparison))
                : null;
            (type, nullable) = property is null ? (null, false) : (property.PropertyType, property.IsSetNullable);
        }
        return type is null ? null : (type, nullable);
    }

    /// <summary>What a value of <paramref name="type"/> looks like in JSON: one of it, and several of it.</summary>
    private static (string One, string Many) Expected(Type type, JsonSerializerOptions options, bool? nullable)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var (one, many) = type switch
        {
            _ when type == typeof(string) => ("a string", "strings"),
            _ when type == typeof(bool) => ("true or false", "booleans"),
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) => ("an integer", "integers"),
            _ when type == typeof(double) || type == typeof(decimal) || type == typeof(float) => ("a number", "numbers"),
            _ when type == typeof(DateTime) || type == typeof(DateTimeOffset) =>
                ("a date and time like \"2026-03-01T09:00:00Z\"", "dates and times"),
            { IsEnum: true } => Choices(type, options),
            _ => options.GetTypeInfo(type) switch
            {
                { Kind: JsonTypeInfoKind.Enumerable, ElementType: { } element } =>
                    ($"an array of {Expected(element, options, null).Many}", "arrays"),
                { Kind: JsonTypeInfoKind.Dictionary, ElementType: { } element } =>
                    ($"an object whose values are {Expected(element, options, null).Many}", "objects"),
                _ => ("an object", "objects"),
            },
        };
        return (nullable switch { true => $"{one} or null", false => $"{one} (not null)", null => one }, many);
    }

    /// <summary>An enum's values as the API writes them (and reads them, ignoring case).</summary>
    private static (string, string) Choices(Type type, JsonSerializerOptions options)
    {
        var names = string.Join(", ", Enum.GetValues(type).Cast<object>().Select(v => JsonSerializer.Serialize(v, type, options)));
        return ($"one of {names}", $"values of {names}");
    }

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<quoted>(?:[^']|'')*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex PathSegment();
}
