namespace BulkSender.Core.Channels.WhatsApp;

/// <summary>
/// A contact <see cref="WhatsAppMessagingLimit"/> counted for one template: its address, the time it counts from, and
/// the time of its earlier template (null: it was not counted before).
/// </summary>
public sealed record MessagingLimitTake(string Address, DateTime CountedAt, DateTime? Before);
