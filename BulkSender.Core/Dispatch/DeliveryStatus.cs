namespace BulkSender.Core.Dispatch;

public enum DeliveryStatus
{
    Pending,

    /// <summary>Handed to the channel; if the process dies now the outcome is unknown.</summary>
    Sending,
    Sent,
    Failed,
    Cancelled,
}
