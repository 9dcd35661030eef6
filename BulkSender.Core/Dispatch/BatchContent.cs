using BulkSender.Core.Channels;
using BulkSender.Core.Templates;

namespace BulkSender.Core.Dispatch;

/// <summary>What a batch sends: its message's text, channel, Messenger tag, WhatsApp template and attachment, read once per batch.</summary>
internal sealed record BatchContent(string Title, string Text, ChannelKind Channel, string? MessageTag, TemplateChoice? Template = null,
    int? AttachmentId = null);
