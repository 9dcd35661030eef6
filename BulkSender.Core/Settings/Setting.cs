namespace BulkSender.Core.Settings;

/// <summary>An admin setting. Secrets are stored protected by ASP.NET Core Data Protection.</summary>
public sealed class Setting
{
    public required string Key { get; set; }
    public required string Value { get; set; }
    public bool IsProtected { get; set; }
    public DateTime UpdatedAt { get; set; }
}
