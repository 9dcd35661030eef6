using BulkSender.Core.Channels.Errors;
using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels.Messenger;

/// <summary>The Messenger Platform's (Graph Send API) error codes: type, action and the reason an operator reads.</summary>
public static class MessengerErrors
{
    public const string RestrictedReason = "the Page is restricted from sending messages";
    public const string TokenExpiredReason = "the Page access token expired or was revoked: paste a new one in Settings";

    public static readonly ErrorTable Table = new(ChannelKind.Messenger,
    [
        new(10, 2018278, ErrorType.Permission, ErrorAction.Retry, MessengerMessaging.OutsideWindowReason),
        new(10, 1893063, ErrorType.Permission, ErrorAction.PauseChannel, RestrictedReason),
        new(190, null, ErrorType.AccessToken, ErrorAction.PauseChannel, TokenExpiredReason),
        new(4, null, ErrorType.RateLimit, ErrorAction.Retry),
        new(17, null, ErrorType.RateLimit, ErrorAction.Retry),
        new(32, null, ErrorType.RateLimit, ErrorAction.Retry),
        new(613, null, ErrorType.RateLimit, ErrorAction.Retry),
        new(80006, null, ErrorType.RateLimit, ErrorAction.Retry),
        new(100, 2018022, ErrorType.RateLimit, ErrorAction.Retry),
        new(100, 2018352, ErrorType.RateLimit, ErrorAction.Retry),
        new(100, 2018354, ErrorType.RateLimit, ErrorAction.Retry),
        new(100, 2018001, ErrorType.InvalidRecipient, ErrorAction.NeverRetry, "no matching user: this person cannot be reached"),
        new(551, null, ErrorType.InvalidRecipient, ErrorAction.NeverRetry, "this person is not available (turned off messages from the Page)"),
        new(10, null, ErrorType.Permission, ErrorAction.Retry),
        new(200, null, ErrorType.Permission, ErrorAction.Retry) { LastCode = 299 },
        new(1, null, ErrorType.Network, ErrorAction.Retry),
        new(2, null, ErrorType.Network, ErrorAction.Retry),
        new(1200, null, ErrorType.Network, ErrorAction.Retry),
    ]);
}
