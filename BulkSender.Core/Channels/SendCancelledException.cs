namespace BulkSender.Core.Channels;

/// <summary>
/// The first call for a recipient not made: its send was cancelled (<see cref="Dispatch.SendCancellations"/>) while the
/// call was on its way or waited for its rate-limiter slot. The recipient's delivery ends Cancelled with its batch.
/// </summary>
public sealed class SendCancelledException()
    : CallWithheldException("The send was cancelled before this call could leave: it was not made.");
