namespace BulkSender.Core.Channels.Pauses;

/// <summary>
/// A provider call not made: its channel was paused (a pausing reply to another call, an admin) while the call was on
/// its way or waited for its rate-limiter slot. Thrown by <see cref="OutgoingMessage.BeforeCallAsync"/>; the recipient
/// was not sent to and goes back to Pending with the rest of its batch.
/// </summary>
public sealed class ChannelPausedException(ChannelKind channel)
    : CallWithheldException($"{channel} was paused before this call could leave: it was not made.")
{
    public ChannelKind Channel { get; } = channel;
}
