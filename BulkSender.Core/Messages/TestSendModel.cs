namespace BulkSender.Core.Messages;

/// <summary>
/// A test send: the compose form's message (its audience, timing and retries are not used) and whom it goes to, one
/// of a contact (<see cref="ContactId"/>) or an address typed for the compose's channel (<see cref="Address"/>).
/// What <c>POST /api/messages/test-send</c> accepts (snake_case in JSON).
/// </summary>
public sealed class TestSendModel : ComposeModel
{
    public int? ContactId { get; set; }

    /// <summary>An e-mail address, a Messenger page-scoped ID or a WhatsApp number (E.164), checked like a contact's.</summary>
    public string? Address { get; set; }

    /// <summary>
    /// The message of <paramref name="compose"/> to one recipient, with an audience and timing that need nothing (a
    /// test has none): only the message's rules of <see cref="ComposeValidator"/> can fail for it.
    /// </summary>
    public static TestSendModel For(ComposeModel compose, int? contactId, string? address)
    {
        ArgumentNullException.ThrowIfNull(compose);
        return new()
        {
            Title = compose.Title,
            Content = compose.Content,
            Channel = compose.Channel,
            MessageTag = compose.MessageTag,
            WhatsAppTemplate = compose.WhatsAppTemplate,
            AttachmentId = compose.AttachmentId,
            Audience = AudienceKind.Channel,
            When = SendTiming.Now,
            ContactId = contactId,
            Address = address,
        };
    }
}
