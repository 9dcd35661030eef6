namespace BulkSender.Core.Messages;

public enum MessageStatus
{
    Draft,
    Scheduled,
    Sending,
    Sent,
    PartiallySent,
    Failed,
    Cancelled,
}
