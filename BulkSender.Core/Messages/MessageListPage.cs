namespace BulkSender.Core.Messages;

/// <summary>One page of messages, the number of messages that match, and the page and page size used.</summary>
public sealed record MessageListPage(IReadOnlyList<MessageListItem> Items, int Total, int Page, int PageSize);
