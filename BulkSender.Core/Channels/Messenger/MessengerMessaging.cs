namespace BulkSender.Core.Channels.Messenger;

/// <summary>
/// Messenger's messaging_type and message tag. Since 2026-04-27 the Send API refuses the tags
/// <see cref="RetiredTags"/> (error 100); the one tag left, <see cref="HumanAgentTag"/>, is for a reply a person writes
/// to one contact up to 7 days after its last message, never for a bulk send. So a bulk send carries no tag at all:
/// a message saved earlier with a tag is sent without it, and the 24-hour window decides who it reaches.
/// </summary>
public static class MessengerMessaging
{
    public const string OutsideWindowReason = "outside the 24-hour messaging window";
    public const string HumanAgentTag = "HUMAN_AGENT";

    /// <summary>The day Meta retired <see cref="RetiredTags"/>.</summary>
    public static readonly DateOnly TagsRetiredOn = new(2026, 4, 27);

    public static readonly IReadOnlySet<string> RetiredTags = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE",
    };

    /// <summary>How long after the contact's last message a person may reply with <see cref="HumanAgentTag"/>.</summary>
    public static readonly TimeSpan HumanAgentWindow = TimeSpan.FromDays(7);

    public static bool IsRetired(string? tag) => tag is not null && RetiredTags.Contains(tag.Trim());

    public static bool IsHumanAgent(string? tag) => string.Equals(tag?.Trim(), HumanAgentTag, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A person's reply: MESSAGE_TAG with HUMAN_AGENT. Otherwise "RESPONSE" gives that type and anything else UPDATE (a
    /// message we start), without a tag: retired tags and a HUMAN_AGENT saved on a bulk message are dropped.
    /// </summary>
    public static (string MessagingType, string? Tag) TypeFor(string? messageTag, bool humanReply = false) =>
        humanReply ? ("MESSAGE_TAG", (string?)HumanAgentTag)
        : string.Equals(messageTag?.Trim(), "RESPONSE", StringComparison.OrdinalIgnoreCase) ? ("RESPONSE", null)
        : ("UPDATE", null);
}
