namespace BulkSender.Core.Channels.Pauses;

/// <summary>
/// A channel that may not send until an admin resumes it: the provider said the channel itself cannot send (a
/// restricted Page or number, an expired token). One row per paused channel.
/// </summary>
public sealed class ChannelPause
{
    public ChannelKind Channel { get; set; }

    /// <summary>The provider's error code that paused it ("190", "10/1893063", "131048").</summary>
    public required string ErrorCode { get; set; }

    /// <summary>What the operator reads: the rule's reason and the provider's message.</summary>
    public required string Reason { get; set; }

    public DateTime Since { get; set; }
}
