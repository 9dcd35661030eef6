namespace BulkSender.Core.Dispatch;

/// <summary>A delivery to send, with its contact's last inbound time (Messenger's 24-hour window), read once per batch.</summary>
internal sealed record BatchRecipient(long DeliveryId, int? ContactId, string Address, string? Name, int AttemptNumber, DateTime? LastInboundAt)
{
    /// <summary>Set by the gate: a WhatsApp template to a contact outside the service window (<see cref="Delivery.BusinessInitiated"/>).</summary>
    public bool BusinessInitiated { get; init; }
}
