namespace BulkSender.Core.Messages;

/// <summary>A send finished: the summary for whoever watches, and who sent it (for their snackbar).</summary>
public sealed record SendCompleted(int MessageId, string Title, MessageStatus Status, string Summary);
