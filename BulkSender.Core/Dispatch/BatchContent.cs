using BulkSender.Core.Channels;

namespace BulkSender.Core.Dispatch;

/// <summary>What a batch sends: its message's text, channel and Messenger tag, read once per batch.</summary>
internal sealed record BatchContent(string Title, string Text, ChannelKind Channel, string? MessageTag);
