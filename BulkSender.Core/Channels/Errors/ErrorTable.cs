using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels.Errors;

/// <summary>
/// A channel's provider error codes, the one place they are mapped (the send's answer and failed status webhooks both
/// ask it). The first matching rule wins, so a rule with a subcode comes before the rule for its whole code.
/// </summary>
public sealed class ErrorTable(ChannelKind channel, IReadOnlyList<ErrorRule> rules)
{
    public ChannelKind Channel => channel;

    public IReadOnlyList<ErrorRule> Rules => rules;

    /// <summary>The rule for this error; null when the table does not know it (the HTTP status decides the type then).</summary>
    public ErrorRule? Find(GraphError error) => rules.FirstOrDefault(r => r.Matches(error));

    /// <summary>What to do about a failure the table does not know: an invalid recipient is never retried, anything else is.</summary>
    public static ErrorAction DefaultAction(ErrorType type) => type == ErrorType.InvalidRecipient ? ErrorAction.NeverRetry : ErrorAction.Retry;
}
