using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Activity;

public sealed record ActivityFilter(string? UserId = null, string? Action = null, DateTime? From = null, DateTime? To = null, string? Search = null);

public sealed record ActivityPage(IReadOnlyList<ActivityEntry> Items, int Total);

public sealed class ActivityQueries(IDbContextFactory<AppDbContext> dbs)
{
    /// <summary>Newest first. <paramref name="onlyUserId"/> restricts the page to one user's own entries (operators).</summary>
    public async Task<ActivityPage> PageAsync(ActivityFilter filter, string? onlyUserId, int page, int pageSize, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var query = db.Activity.AsNoTracking();
        if (onlyUserId is not null)
            query = query.Where(a => a.UserId == onlyUserId);
        if (!string.IsNullOrEmpty(filter.UserId))
            query = query.Where(a => a.UserId == filter.UserId);
        if (!string.IsNullOrEmpty(filter.Action))
            query = query.Where(a => a.Action == filter.Action);
        if (filter.From is { } from)
            query = query.Where(a => a.At >= from);
        if (filter.To is { } to)
            query = query.Where(a => a.At < to);
        if (!string.IsNullOrWhiteSpace(filter.Search))
            query = query.Where(a => a.Details != null && a.Details.Contains(filter.Search.Trim()));
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(a => a.At).ThenByDescending(a => a.Id)
            .Skip(Math.Max(page, 0) * pageSize).Take(Math.Clamp(pageSize, 1, 200)).ToListAsync(cancellationToken);
        return new ActivityPage(items, total);
    }

    public async Task<IReadOnlyList<string>> ActionsAsync(string? onlyUserId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var query = db.Activity.AsNoTracking();
        if (onlyUserId is not null)
            query = query.Where(a => a.UserId == onlyUserId);
        return await query.Select(a => a.Action).Distinct().OrderBy(a => a).ToListAsync(cancellationToken);
    }

    /// <summary>Everyone who has entries (for an admin's "who" filter); the system's own entries have no user id.</summary>
    public async Task<IReadOnlyList<Actor>> ActorsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var actors = await db.Activity.AsNoTracking().Where(a => a.UserId != null)
            .GroupBy(a => a.UserId).Select(g => new { UserId = g.Key, UserName = g.Max(a => a.UserName) })
            .ToListAsync(cancellationToken);
        return actors.Select(a => new Actor(a.UserId, a.UserName)).OrderBy(a => a.UserName, StringComparer.OrdinalIgnoreCase).ToList();
    }
}
