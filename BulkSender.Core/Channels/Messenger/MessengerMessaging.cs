namespace BulkSender.Core.Channels.Messenger;

/// <summary>Messenger's messaging_type and message tag for a message's tag.</summary>
public static class MessengerMessaging
{
    public const string OutsideWindowReason = "outside the 24-hour messaging window";

    /// <summary>No tag: UPDATE (a message we start). "RESPONSE" or "UPDATE": that type. Any other tag: MESSAGE_TAG with it.</summary>
    public static (string MessagingType, string? Tag) TypeFor(string? messageTag) => messageTag?.Trim().ToUpperInvariant() switch
    {
        null or "" or "UPDATE" => ("UPDATE", null),
        "RESPONSE" => ("RESPONSE", null),
        var tag => ("MESSAGE_TAG", tag),
    };

    /// <summary>Whether the message carries a real message tag, which may go outside the 24-hour window.</summary>
    public static bool HasTag(string? messageTag) => TypeFor(messageTag).Tag is not null;
}
