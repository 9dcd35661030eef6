namespace BulkSender.Core.Channels;

/// <summary>
/// A provider call not made, by <see cref="OutgoingMessage.BeforeCallAsync"/>: the recipient was not sent to. An adapter
/// lets it through (it is no provider error); the send pipeline counts the recipient as not sent.
/// </summary>
public abstract class CallWithheldException(string message) : Exception(message);
