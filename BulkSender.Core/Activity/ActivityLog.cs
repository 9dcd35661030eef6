namespace BulkSender.Core.Activity;

public static class ActivityLog
{
    public static ActivityEntry Entry(Actor actor, string action, DateTime at, string? entityType = null,
        string? entityId = null, string? details = null) => new()
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
