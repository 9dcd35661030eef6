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
    public const string ErrorCode = "outside_window";

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
