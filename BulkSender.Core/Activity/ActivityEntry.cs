namespace BulkSender.Core.Activity;

/// <summary>Who did what and when: sends, cancels, retries, policy and settings changes, imports.</summary>
public sealed class ActivityEntry
{
    public long Id { get; set; }
    public DateTime At { get; set; }
    public string? UserId { get; set; }
    public string? UserName { get; set; }
    public required string Action { get; set; }
    public string? EntityType { get; set; }
    public string? EntityId { get; set; }
    public string? Details { get; set; }
}
