namespace BulkSender.Core.Templates;

/// <summary>What a sync did, or why it could not (<see cref="Problem"/>: not configured, or the provider's answer).</summary>
public sealed record TemplateSyncResult(int Listed, int Added, int Updated, int Removed, string? Problem = null)
{
    public bool Succeeded => Problem is null;

    public static TemplateSyncResult Failed(string problem) => new(0, 0, 0, 0, problem);
}
