namespace BulkSender.Core.Dispatch;

public enum BatchStatus
{
    Pending,
    Processing,
    Completed,
    Failed,
    Cancelled,
}
