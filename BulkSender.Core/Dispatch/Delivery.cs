using BulkSender.Core.Retries;

namespace BulkSender.Core.Dispatch;

/// <summary>One attempt to reach one recipient with one message.</summary>
public sealed class Delivery
{
    public long Id { get; set; }
    public int MessageId { get; set; }

    /// <summary>Null until a campaign day assigns the delivery to a batch.</summary>
    public int? BatchId { get; set; }

    /// <summary>Null once the contact was deleted; the address below still says who it was.</summary>
    public int? ContactId { get; set; }
    public required string RecipientAddress { get; set; }
    public string? RecipientName { get; set; }
    public int AttemptNumber { get; set; } = 1;
    public DeliveryStatus Status { get; set; }
    public string? ProviderMessageId { get; set; }
    public string? ErrorCode { get; set; }
    public ErrorType? ErrorType { get; set; }
    public string? ErrorMessage { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? SentAt { get; set; }
    public DateTime? FailedAt { get; set; }

    /// <summary>A failure the provider asked not to retry before this time (WhatsApp 131049: 24 hours); null: any time.</summary>
    public DateTime? RetryNotBefore { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public DateTime? ReadAt { get; set; }
    public DateTime? RepliedAt { get; set; }
    public DateTime? ClosedAt { get; set; }

    /// <summary>
    /// A WhatsApp template sent to a contact outside the 24-hour customer service window: one of the unique contacts the
    /// business portfolio's messaging limit counts (<see cref="Channels.WhatsApp.WhatsAppMessagingLimit"/>).
    /// </summary>
    public bool BusinessInitiated { get; set; }

    /// <summary>WhatsApp status webhooks' <c>pricing</c>: category (marketing, utility, …), pricing model and type.</summary>
    public string? PricingCategory { get; set; }
    public string? PricingModel { get; set; }
    public string? PricingType { get; set; }

    /// <summary>Whether Meta charges for this message (pricing type "regular", or the older <c>billable</c> flag).</summary>
    public bool? Billable { get; set; }
}
