using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;

namespace BulkSender.Core.Idempotency;

/// <summary>
/// A send made once for a client's Idempotency-Key: the key (unique per user), a hash of the request it came with,
/// and what the send answered. Written in the send's own transaction, so it exists exactly when the send does.
/// Honoured for <see cref="IdempotencyKeys.Lifetime"/> from <see cref="CreatedAt"/>, then deleted by the cleanup job.
/// </summary>
public sealed class IdempotencyRecord
{
    public string UserId { get; set; } = "";
    public string Key { get; set; } = "";

    /// <summary>SHA-256 (hex) of the request as read: <see cref="IdempotencyKeys.Hash"/>.</summary>
    public string RequestHash { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public int MessageId { get; set; }
    public MessageStatus Status { get; set; }
    public int Recipients { get; set; }
    public int Batches { get; set; }
    public int? CampaignId { get; set; }

    public ComposeOutcome ToOutcome() =>
        new(MessageId, Status, Recipients, Batches, new Dictionary<string, string[]>(), CampaignId) { Replayed = true };
}
