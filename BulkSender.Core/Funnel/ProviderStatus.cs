using System.Globalization;
using System.Text.Json;
using BulkSender.Core.Channels;

namespace BulkSender.Core.Funnel;

/// <summary>
/// One status of one sent message, in the WhatsApp Cloud API's shape
/// ({ id, status: sent|delivered|read|failed, timestamp: unix seconds, errors: [{ code, title, message, error_data }] }),
/// which the status webhook sends and the polling endpoint answers.
/// </summary>
public sealed record ProviderStatus(string ProviderMessageId, ProviderStatusKind Kind, DateTime At, GraphError? Error)
{
    /// <summary>WhatsApp's <c>pricing</c> object, when the status carries one.</summary>
    public StatusPricing? Pricing { get; init; }

    /// <summary>WhatsApp's <c>recipient_user_id</c>: the business-scoped user id of the recipient, when Meta sends it.</summary>
    public string? RecipientUserId { get; init; }

    /// <summary>Null for an object without an id, a known status or a timestamp.</summary>
    public static ProviderStatus? From(JsonElement status)
    {
        if (status.ValueKind != JsonValueKind.Object
            || !status.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 } messageId
            || !status.TryGetProperty("status", out var kind) || kind.ValueKind != JsonValueKind.String
            || !Enum.TryParse<ProviderStatusKind>(kind.GetString(), ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed)
            || UnixSeconds(status, "timestamp") is not { } at)
            return null;
        var error = status.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0
            ? GraphError.From(errors[0])
            : null;
        return new ProviderStatus(messageId, parsed, at, error)
        {
            Pricing = status.TryGetProperty("pricing", out var pricing) ? StatusPricing.From(pricing) : null,
            RecipientUserId = status.TryGetProperty("recipient_user_id", out var user) && user.ValueKind == JsonValueKind.String
                && user.GetString() is { Length: > 0 and <= 128 } userId ? userId : null,
        };
    }

    /// <summary>A unix time in seconds, as a number or a string of digits.</summary>
    public static DateTime? UnixSeconds(JsonElement owner, string name) => UnixTime(owner, name, 1);

    /// <summary>A unix time in milliseconds (Messenger's timestamps and watermarks).</summary>
    public static DateTime? UnixMilliseconds(JsonElement owner, string name) => UnixTime(owner, name, 1000);

    private static DateTime? UnixTime(JsonElement owner, string name, long perSecond) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var value)
            && Seconds(value) is { } n && n / perSecond is >= 0 and <= MaxUnixSeconds
            ? DateTime.UnixEpoch.AddTicks(n * (TimeSpan.TicksPerSecond / perSecond))
            : null;

    private const long MaxUnixSeconds = 253_402_300_799;

    private static long? Seconds(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var n) => n,
        JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };
}
