using System.Net;
using BulkSender.Core.Attachments;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Compliance;
using BulkSender.Core.Retries;
using MimeKit;
using MimeKit.Utils;

namespace BulkSender.Core.Channels.Email;

/// <summary>E-mail over SMTP (MailKit) through pooled connections; every message carries a signed unsubscribe link.</summary>
public sealed class EmailChannel(ChannelSettingsStore settings, SmtpConnectionPool pool,
    UnsubscribeTokens unsubscribe) : RealChannel<EmailSettings>(ChannelKind.Email)
{
    protected override Task<EmailSettings> SettingsAsync(CancellationToken cancellationToken) => settings.EmailAsync(cancellationToken);

    protected override async Task<ChannelResult> SendAsync(EmailSettings options, OutgoingMessage message, CancellationToken cancellationToken)
    {
        if (!MailboxAddress.TryParse(message.Address, out _))
            return ChannelResult.Failed(ErrorType.InvalidRecipient, "address", $"'{message.Address}' cannot be used as an e-mail address.");
        MimeMessage mail;
        try
        {
            var file = message.Attachment is { } attachment ? await attachment.ReadAsync(cancellationToken) : null;
            mail = Compose(options, message, unsubscribe.Link(options.PublicBaseUrl!, ChannelKind.Email, message.Address), file);
        }
        catch (ParseException ex)
        {
            return ChannelResult.Failed(ErrorType.Other, "settings",
                $"The from or reply-to address in the e-mail settings cannot be used: {ex.Message}");
        }

        try
        {
            await pool.SendAsync(options, mail, message.BeforeCallAsync, cancellationToken);
            return ChannelResult.Sent(mail.MessageId!);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (CallWithheldException)
        {
            throw; // the message was not sent: not an SMTP error
        }
        catch (Exception ex)
        {
            return SmtpErrors.ToResult(ex);
        }
    }

    /// <summary>
    /// Subject = title; a plain-text and an HTML part made from the Markdown content (<see cref="EmailBody"/>), each ending with the
    /// unsubscribe link; List-Unsubscribe headers (RFC 2369, RFC 8058).
    /// </summary>
    /// <remarks>
    /// With an attachment (<paramref name="file"/> is its bytes): a PDF is attached; an image is an inline part shown
    /// under the text (<c>cid:</c>) of the HTML part.
    /// </remarks>
    public static MimeMessage Compose(EmailSettings options, OutgoingMessage message, Uri unsubscribeLink, byte[]? file = null)
    {
        var from = MailboxAddress.Parse(options.FromAddress!);
        from.Name = options.FromName ?? "";
        var to = MailboxAddress.Parse(message.Address);
        to.Name = message.Name ?? "";
        var mail = new MimeMessage { Subject = message.Title, MessageId = MimeUtils.GenerateMessageId(from.Domain) };
        mail.From.Add(from);
        mail.To.Add(to);
        if (options.ReplyTo is { } replyTo)
            mail.ReplyTo.Add(MailboxAddress.Parse(replyTo));
        mail.Headers.Add("List-Unsubscribe", $"<{unsubscribeLink.AbsoluteUri}>");
        mail.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");

        var link = unsubscribeLink.AbsoluteUri;
        var content = EmailBody.From(message);
        var body = new BodyBuilder();
        var image = "";
        if (message.Attachment is { } attachment && file is not null)
        {
            if (attachment.Kind == AttachmentKind.Image)
            {
                var inline = body.LinkedResources.Add(attachment.FileName, file, ContentType.Parse(attachment.ContentType));
                inline.ContentId = MimeUtils.GenerateMessageId();
                image = $"""<p><img src="cid:{inline.ContentId}" alt="{WebUtility.HtmlEncode(attachment.FileName)}"></p>""";
            }
            else
            {
                body.Attachments.Add(attachment.FileName, file, ContentType.Parse(attachment.ContentType));
            }
        }
        (body.TextBody, body.HtmlBody) = (
            $"{content.Text}\n\n--\nTo stop receiving these e-mails, unsubscribe: {link}\n",
            $"""
                <!DOCTYPE html><html><body>
                <div>{content.Html}</div>{image}
                <hr><p style="font-size:12px;color:#666">To stop receiving these e-mails,
                <a href="{WebUtility.HtmlEncode(link)}">unsubscribe</a>.</p>
                </body></html>
                """);
        mail.Body = body.ToMessageBody();
        return mail;
    }
}
