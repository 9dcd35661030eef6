using BulkSender.Core.Channels;

namespace BulkSender.Core.Messages;

/// <summary>A message as the list shows it; times are UTC.</summary>
public sealed record MessageListItem(int Id, string Title, MessageStatus Status, ChannelKind Channel, int TotalRecipients, int SentCount,
    int FailedCount, int SkippedCount, int BatchCount, string? CreatedByName, DateTime CreatedAt, DateTime? ScheduledAt, DateTime? CompletedAt);
