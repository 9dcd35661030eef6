using System.Linq.Expressions;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Messenger;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Retries;

namespace BulkSender.Core.Compliance;

/// <summary>
/// The 24-hour rule. Messenger: a page may message a person within 24 hours of that person's last message to it; a
/// bulk send has no way around it since Meta retired the message tags (2026-04-27; <see cref="MessengerMessaging"/>).
/// WhatsApp: a business may send free text within 24 hours of the customer's last message (the customer service
/// window), later only an approved template. This is the rule's only statement: the send's check (<see cref="Check"/>),
/// the count shown while composing (<see cref="OutsideSql"/> with <see cref="Cutoff"/>) and the retry rules
/// (<see cref="WaitsForInbound"/>, <see cref="NotWaitingForInbound"/>) all ask it.
/// </summary>
public static class MessagingWindow
{
    public static readonly TimeSpan Length = TimeSpan.FromHours(24);
    /// <summary>The code of a delivery refused here, before the provider was asked.</summary>
    public const string ErrorCode = "outside_window";

    /// <summary>The Graph API's code when Messenger itself refuses a message for the window (code 10, subcode 2018278).</summary>
    public const string GraphErrorCode = "10/2018278";

    /// <summary>The Cloud API's code when WhatsApp refuses free text for the window (131047, re-engagement required).</summary>
    public const string WhatsAppErrorCode = "131047";

    private static readonly string?[] ErrorCodes = [ErrorCode, GraphErrorCode, WhatsAppErrorCode];

    /// <summary>Whether a failure was the window's (ours or the provider's): retrying helps only once the contact writes again.</summary>
    public static bool IsWindowError(string? errorCode) => ErrorCodes.Contains(errorCode);

    /// <summary>The window's start at <paramref name="utcNow"/>: a contact is inside when it last wrote after this time.</summary>
    public static DateTime Cutoff(DateTime utcNow) => utcNow - Length;

    public static bool IsInside(DateTime? lastInboundAt, DateTimeOffset now) =>
        lastInboundAt is { } last && DateTime.SpecifyKind(last, DateTimeKind.Utc) > Cutoff(now.UtcDateTime);

    /// <summary>
    /// <see cref="IsInside"/> negated, in SQL for SQLite, SQL Server and PostgreSQL: the contact never wrote or not after the cutoff,
    /// which the caller passes as parameter <c>{0}</c> (<see cref="Cutoff"/>).
    /// </summary>
    public static string OutsideSql(string lastInboundColumn) => $"({lastInboundColumn} IS NULL OR {lastInboundColumn} <= {{0}})";

    /// <summary>Why a WhatsApp free-text message was refused before the Cloud API was asked.</summary>
    public const string WhatsAppOutsideWindowReason = "outside the 24-hour customer service window: only a template message reaches this contact";

    /// <summary>
    /// Null when the message may go to the contact now; otherwise the failure to record on its delivery (permission,
    /// "outside the 24-hour messaging window"). Messenger without a tag and WhatsApp free text (not a
    /// <paramref name="template"/>) are windowed; templates and e-mail always may.
    /// </summary>
    public static ChannelResult? Check(ChannelKind channel, DateTime? lastInboundAt, DateTimeOffset now, bool template = false) =>
        channel switch
        {
            ChannelKind.Messenger when !IsInside(lastInboundAt, now) =>
                ChannelResult.Failed(ErrorType.Permission, ErrorCode, MessengerMessaging.OutsideWindowReason),
            ChannelKind.WhatsApp when !template && !IsInside(lastInboundAt, now) =>
                ChannelResult.Failed(ErrorType.Permission, ErrorCode, WhatsAppOutsideWindowReason),
            _ => null,
        };

    /// <summary>
    /// A failure refused for the window that the contact has not answered since: another attempt would be refused the
    /// same way, so it waits until the contact writes again.
    /// </summary>
    public static bool WaitsForInbound(string? errorCode, DateTime? failedAt, DateTime? lastInboundAt) =>
        IsWindowError(errorCode) && !(lastInboundAt > failedAt);

    /// <summary><see cref="WaitsForInbound"/> negated, as a query condition on deliveries.</summary>
    public static Expression<Func<Delivery, bool>> NotWaitingForInbound(AppDbContext db) =>
        d => !ErrorCodes.Contains(d.ErrorCode) || db.Contacts.Any(c => c.Id == d.ContactId && c.LastInboundAt > d.FailedAt);
}
