using System.Text.Json.Serialization;

namespace BulkSender.Core.Retries;

/// <summary>Why a delivery failed, as one of six categories; names match the API's snake_case values.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ErrorType>))]
public enum ErrorType
{
    [JsonStringEnumMemberName("access_token")] AccessToken,
    [JsonStringEnumMemberName("rate_limit")] RateLimit,
    [JsonStringEnumMemberName("invalid_recipient")] InvalidRecipient,
    [JsonStringEnumMemberName("network")] Network,
    [JsonStringEnumMemberName("permission")] Permission,
    [JsonStringEnumMemberName("other")] Other,
}
