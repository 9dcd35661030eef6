namespace BulkSender.Core.Channels;

/// <summary>
/// A count shared by every app instance on the database, advanced only by conditional updates: a channel's messages of
/// one UTC day (<see cref="DailySendQuota"/>, key <c>daily-limit:Email:2026-11-23</c>), or the row a limit's
/// transactions update first to take their turn (<see cref="WhatsApp.WhatsAppMessagingLimit"/>).
/// </summary>
public sealed class LimitCounter
{
    public required string Key { get; set; }

    public int Used { get; set; }

    /// <summary>The last change (old day rows are deleted by it).</summary>
    public DateTime UpdatedAt { get; set; }
}
