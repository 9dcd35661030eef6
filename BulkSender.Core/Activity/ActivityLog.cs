namespace BulkSender.Core.Activity;

/// <summary>Who acted: the signed-in user, or null for the system (jobs, seeding).</summary>
public sealed record Actor(string? UserId, string? UserName)
{
    public static readonly Actor System = new(null, "system");
}

public static class ActivityActions
{
    public const string ContactsImported = "contacts.imported";
    public const string ContactsDeleted = "contacts.deleted";
    public const string ContactUpdated = "contact.updated";
    public const string RetryStarted = "retry.started";
    public const string RetryPolicyChanged = "retry.policy_changed";
    public const string RetryDefaultsChanged = "retry.defaults_changed";
    public const string ContactOptedOut = "contact.opted_out";
    public const string ChannelSettingsChanged = "channel.settings_changed";
}

public static class ActivityLog
{
    public static ActivityEntry Entry(Actor actor, string action, DateTime at, string? entityType = null, string? entityId = null, string? details = null) => new()
    {
        At = at,
        UserId = actor.UserId,
        UserName = actor.UserName,
        Action = action,
        EntityType = entityType,
        EntityId = entityId,
        Details = details is { Length: > 4000 } ? details[..4000] : details,
    };
}
