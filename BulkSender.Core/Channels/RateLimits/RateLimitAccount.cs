namespace BulkSender.Core.Channels.RateLimits;

/// <summary>
/// The rate-limit state of one provider account (the channel's Page, WhatsApp number or SMTP server), shared by every
/// app instance on the database: the generic cell rate algorithm's one number, the next free slot, and the back-off in
/// force. Times are UTC ticks. Moved only by conditional updates (<see cref="RateLimitSlots"/>).
/// </summary>
public sealed class RateLimitAccount
{
    public ChannelKind Channel { get; set; }

    /// <summary>The earliest time the next block of slots may start (GCRA's "theoretical arrival time").</summary>
    public long NextSlotAt { get; set; }

    /// <summary>The end of the last back-off (0: never paused); sending resumes gradually from it.</summary>
    public long PausedUntil { get; set; }
}
