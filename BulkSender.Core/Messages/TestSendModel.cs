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
}
