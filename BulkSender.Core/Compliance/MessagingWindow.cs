using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Messenger;
using BulkSender.Core.Retries;

namespace BulkSender.Core.Compliance;

/// <summary>
/// Messenger's 24-hour rule: a page may message a person within 24 hours of that person's last message to it;
/// later only with a message tag.
/// </summary>
public static class MessagingWindow
{
    public static readonly TimeSpan Length = TimeSpan.FromHours(24);
    /// <summary>The code of a delivery refused here, before the provider was asked.</summary>
    public const string ErrorCode = "outside_window";

    /// <summary>The Graph API's code when Messenger itself refuses a message for the window (code 10, subcode 2018278).</summary>
    public const string GraphErrorCode = "10/2018278";

    /// <summary>Whether a failure was the window's (ours or the provider's): retrying helps only once the contact writes again.</summary>
    public static bool IsWindowError(string? errorCode) => errorCode is ErrorCode or GraphErrorCode;

    public static bool IsInside(DateTime? lastInboundAt, DateTimeOffset now) =>
        lastInboundAt is { } last && now.UtcDateTime - DateTime.SpecifyKind(last, DateTimeKind.Utc) < Length;

    /// <summary>
    /// Null when a Messenger message may go to the contact now; otherwise the failure to record on its delivery
    /// (permission, "outside the 24-hour messaging window"). Other channels always may.
    /// </summary>
    public static ChannelResult? Check(ChannelKind channel, DateTime? lastInboundAt, string? messageTag, DateTimeOffset now) =>
        channel != ChannelKind.Messenger || MessengerMessaging.HasTag(messageTag) || IsInside(lastInboundAt, now)
            ? null
            : ChannelResult.Failed(ErrorType.Permission, ErrorCode, MessengerMessaging.OutsideWindowReason);
}
