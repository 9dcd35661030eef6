using BulkSender.Core.Channels.Errors;
using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels.WhatsApp;

/// <summary>The WhatsApp Cloud API's error codes (replies and failed statuses): type, action and the reason an operator reads.</summary>
public static class WhatsAppErrors
{
    public const string ReEngagementReason =
        "re-engagement required: more than 24 hours since the customer last wrote, only a template message can be sent";
    public const string SpamRateLimitReason = "the phone number is restricted (spam rate limit)";
    public const string EcosystemReason = "held back by Meta to keep ecosystem engagement healthy: not retried for 24 hours";
    public const string MarketingStoppedReason = "the person stopped marketing messages";
    public const string TokenExpiredReason = "the access token expired or was revoked: paste a new one in Settings";

    public static readonly ErrorTable Table = new(ChannelKind.WhatsApp,
    [
        new(190, null, ErrorType.AccessToken, ErrorAction.PauseChannel, TokenExpiredReason),
        new(131048, null, ErrorType.RateLimit, ErrorAction.PauseChannel, SpamRateLimitReason),
        new(131049, null, ErrorType.Other, ErrorAction.RetryLater, EcosystemReason) { RetryAfter = TimeSpan.FromHours(24) },
        new(131050, null, ErrorType.Permission, ErrorAction.SuppressContact, MarketingStoppedReason),
        new(131026, null, ErrorType.InvalidRecipient, ErrorAction.NeverRetry), // Meta's own message says "Message undeliverable."
        new(131047, null, ErrorType.Permission, ErrorAction.Retry, ReEngagementReason),
        new(4, null, ErrorType.RateLimit, ErrorAction.Retry),
        new(80007, null, ErrorType.RateLimit, ErrorAction.Retry),
        new(130429, null, ErrorType.RateLimit, ErrorAction.Retry),
        new(131056, null, ErrorType.RateLimit, ErrorAction.Retry),
        new(10, null, ErrorType.Permission, ErrorAction.Retry),
        new(200, null, ErrorType.Permission, ErrorAction.Retry) { LastCode = 299 },
        new(1, null, ErrorType.Network, ErrorAction.Retry),
        new(2, null, ErrorType.Network, ErrorAction.Retry),
        new(131000, null, ErrorType.Network, ErrorAction.Retry),
        new(131016, null, ErrorType.Network, ErrorAction.Retry),
    ]);
}
