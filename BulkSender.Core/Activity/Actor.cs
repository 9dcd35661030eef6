namespace BulkSender.Core.Activity;

/// <summary>Who acted: the signed-in user, or null for the system (jobs, seeding).</summary>
public sealed record Actor(string? UserId, string? UserName)
{
    public static readonly Actor System = new(null, "system");
}
