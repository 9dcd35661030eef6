using System.Globalization;
using System.Text.Json;

namespace BulkSender.Core.Channels;

/// <summary>The "error" object of a Graph API reply (Messenger Send API, WhatsApp Cloud API) or of a WhatsApp status.</summary>
public sealed record GraphError(int Code, int? Subcode, string Message, string? Details, string? FbTraceId)
{
    /// <summary>"190", or "100/2018001" when there is a subcode.</summary>
    public string CodeText => Subcode is { } subcode ? $"{Code}/{subcode}" : Code.ToString(CultureInfo.InvariantCulture);

    public string Describe()
    {
        var text = Message;
        if (Details is { Length: > 0 } details && details != Message)
            text += $" ({details})";
        if (FbTraceId is { Length: > 0 } trace)
            text += $" [fbtrace_id {trace}]";
        return text;
    }

    /// <summary>Reads { code, error_subcode, message | title, error_data.details, fbtrace_id }; null without a numeric code.</summary>
    public static GraphError? From(JsonElement error)
    {
        if (error.ValueKind != JsonValueKind.Object || !error.TryGetProperty("code", out var code) || !code.TryGetInt32(out var number))
            return null;
        int? subcode = error.TryGetProperty("error_subcode", out var sub) && sub.TryGetInt32(out var s) ? s : null;
        var message = Text(error, "message") ?? Text(error, "title") ?? "Unknown error";
        var details = error.TryGetProperty("error_data", out var data) && data.ValueKind == JsonValueKind.Object ? Text(data, "details") : null;
        return new GraphError(number, subcode, message, details, Text(error, "fbtrace_id"));
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
