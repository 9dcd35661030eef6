using BulkSender.Core.Messages;

namespace BulkSender.Core.Dispatch;

/// <summary>A slice of a message's recipients (100 by default) processed by one job.</summary>
public sealed class MessageBatch
{
    public int Id { get; set; }
    public int MessageId { get; set; }
    public Message? Message { get; set; }

    /// <summary>1, 2, 3… within the message; retry rounds continue the numbering.</summary>
    public int Number { get; set; }

    /// <summary>The attempt the batch's deliveries belong to (1 = first send, 2 = first retry…).</summary>
    public int AttemptNumber { get; set; } = 1;
    public int RecipientCount { get; set; }
    public BatchStatus Status { get; set; }
    public int SentCount { get; set; }
    public int FailedCount { get; set; }

    /// <summary>Recipients not sent to because they opted out after the send was created.</summary>
    public int SkippedCount { get; set; }
    public string? Error { get; set; }

    /// <summary>The Hangfire job last enqueued for this batch; reconciliation checks whether it is still alive.</summary>
    public string? JobId { get; set; }

    /// <summary>Not before this time (UTC): campaign days and scheduled sends.</summary>
    public DateTime? DueAt { get; set; }

    /// <summary>The worker that claimed the batch, and when it last showed it is alive.</summary>
    public string? ClaimedBy { get; set; }
    public DateTime? HeartbeatAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}
