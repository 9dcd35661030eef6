namespace BulkSender.Core.Funnel;

/// <summary>A recipient who replied (their latest attempt), and whether an operator closed the conversation.</summary>
public sealed record RepliedRecipient(long DeliveryId, string? Name, string Address, DateTime RepliedAt, DateTime? ClosedAt);
