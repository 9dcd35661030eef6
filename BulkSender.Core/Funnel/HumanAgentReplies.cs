using System.Globalization;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Messenger;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Funnel;

public enum ReplyStatus
{
    Sent,
    NotFound,

    /// <summary>The text is empty or too long.</summary>
    Invalid,

    /// <summary>Not a Messenger message, or the contact opted out.</summary>
    Refused,

    /// <summary>The contact last wrote more than 7 days ago: HUMAN_AGENT no longer applies.</summary>
    TooLate,

    /// <summary>Messenger refused it (<see cref="ReplyOutcome.Result"/> says why).</summary>
    Failed,
}

public sealed record ReplyOutcome(ReplyStatus Status, string Message, ChannelResult? Result = null);

/// <summary>
/// A reply a person writes to one contact who answered a Messenger send: sent through the Messenger adapter with the
/// HUMAN_AGENT tag, the one message tag Meta still accepts (since 2026-04-27), and only up to 7 days after the
/// contact's last message. Logged in the activity as the user's, whatever Messenger answers.
/// </summary>
public sealed class HumanAgentReplies(IDbContextFactory<AppDbContext> dbs, ChannelAdapters channels, TimeProvider clock)
{
    public const int MaxLength = 2000;

    public async Task<ReplyOutcome> SendAsync(int messageId, long deliveryId, string? text, Actor actor, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(text))
            return new(ReplyStatus.Invalid, "Write the reply.");
        if (text.Length > MaxLength)
            return new(ReplyStatus.Invalid, string.Create(CultureInfo.InvariantCulture, $"Keep the reply under {MaxLength:N0} characters."));

        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var target = await db.Deliveries.AsNoTracking().Where(d => d.Id == deliveryId && d.MessageId == messageId)
            .Join(db.Messages, d => d.MessageId, m => m.Id, (d, m) => new { d.ContactId, m.Channel, m.Title })
            .Join(db.Contacts, x => x.ContactId, c => c.Id,
                (x, c) => new { x.Channel, x.Title, c.Id, c.Address, c.Name, c.OptedOut, c.LastInboundAt })
            .SingleOrDefaultAsync(cancellationToken);
        if (target is null)
            return new(ReplyStatus.NotFound, "No such recipient of this message.");
        if (target.Channel != ChannelKind.Messenger)
            return new(ReplyStatus.Refused, "Replies with HUMAN_AGENT are for Messenger contacts only.");
        if (target.OptedOut)
            return new(ReplyStatus.Refused, "This contact opted out.");
        var now = clock.GetUtcNow().UtcDateTime;
        if (target.LastInboundAt is not { } last || last < now - MessengerMessaging.HumanAgentWindow)
            return new(ReplyStatus.TooLate, target.LastInboundAt is { } at
                ? string.Create(CultureInfo.InvariantCulture, $"{target.Name} last wrote on {at:yyyy-MM-dd HH:mm} UTC, more than 7 days ago: ")
                    + "Messenger accepts a HUMAN_AGENT reply only within 7 days."
                : $"{target.Name} never wrote to the Page: there is nothing to reply to.");

        var channel = await channels.ForAsync(ChannelKind.Messenger, cancellationToken);
        var result = await channel.SendAsync(new OutgoingMessage(deliveryId, messageId, ChannelKind.Messenger, target.Address, target.Name, 1,
            target.Title, text, MessengerMessaging.HumanAgentTag)
        { IsHumanReply = true }, cancellationToken);
        db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.ReplySent, now, "Message", messageId.ToString(CultureInfo.InvariantCulture),
            result.Succeeded
                ? $"HUMAN_AGENT reply to {target.Name} ({target.Address})"
                : $"HUMAN_AGENT reply to {target.Name} ({target.Address}) failed: {result.ErrorCode} {result.ErrorMessage}"));
        await db.SaveChangesAsync(CancellationToken.None);
        return result.Succeeded
            ? new(ReplyStatus.Sent, $"Reply sent to {target.Name}.", result)
            : new(ReplyStatus.Failed, $"Messenger refused the reply: {result.ErrorMessage}", result);
    }
}
