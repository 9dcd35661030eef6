using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Contacts;

/// <param name="Field">
/// A custom field's key: with <paramref name="FieldValue"/>, contacts whose value contains it; alone, contacts with a value.
/// </param>
public sealed record ContactFilter(string? Search = null, ChannelKind? Channel = null, string? Tag = null, bool? OptedOut = null,
    string? Field = null, string? FieldValue = null);

public enum ContactSort
{
    Name,
    Address,
    Channel,
    CreatedAt,
    UpdatedAt,
}

/// <param name="Fields">The contact's custom field values by key (a field without a value is left out).</param>
public sealed record ContactRow(int Id, string Name, string Address, ChannelKind Channel, bool OptedOut, DateTime CreatedAt,
    IReadOnlyList<string> Tags, long Version, IReadOnlyDictionary<string, string> Fields);

/// <summary>A contact as the edit form starts from it, with the version an edit is made on.</summary>
public sealed record ContactForEdit(int Id, long Version, string Name, ChannelKind Channel, string Address,
    IReadOnlyList<string> Tags, bool OptedOut)
{
    /// <summary>The contact's custom field values by key (a field without a value is left out).</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    public DateTime? OptedOutAt { get; init; }

    /// <summary>Why it opted out, when it was not by hand (an unsubscribe link, "STOP", a provider's refusal).</summary>
    public string? OptOutReason { get; init; }

    public ContactInput ToInput() => new()
    {
        Name = Name,
        Channel = Channel.ToString().ToLowerInvariant(),
        Address = Address,
        Tags = string.Join(", ", Tags),
        OptedOut = OptedOut ? "true" : "false",
        Fields = Fields.ToDictionary(f => f.Key, string? (f) => f.Value),
    };
}

public sealed record ContactPage(IReadOnlyList<ContactRow> Items, int Total);

public sealed record TagCount(string Tag, int Count);

/// <summary>Server-side paging, sorting, search and filters over the contacts table (built for 100,000 rows).</summary>
public sealed class ContactQueries(IDbContextFactory<AppDbContext> dbs)
{
    public const int MaxPageSize = 500;

    public async Task<ContactPage> PageAsync(ContactFilter filter, ContactSort sort, bool descending, int page, int pageSize,
        CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var query = Filtered(db, filter);
        var total = await query.CountAsync(cancellationToken);
        var rows = await Sorted(query, sort, descending)
            .Skip(Math.Max(page, 0) * pageSize)
            .Take(pageSize)
            .Select(c => new
            {
                c.Id, c.Name, c.Address, c.Channel, c.OptedOut, c.CreatedAt, c.Version,
                Tags = c.Tags.Select(t => t.Tag).OrderBy(t => t).ToList(),
                Fields = c.Fields.Select(f => new { f.FieldKey, f.Value }).ToList(),
            })
            .ToListAsync(cancellationToken);
        var items = rows.Select(c => new ContactRow(c.Id, c.Name, c.Address, c.Channel, c.OptedOut, c.CreatedAt, c.Tags, c.Version,
            c.Fields.ToDictionary(f => f.FieldKey, f => f.Value))).ToList();
        return new ContactPage(items, total);
    }

    /// <summary>The contact as it is now, for the edit form; null when it no longer exists.</summary>
    public async Task<ContactForEdit?> ForEditAsync(int id, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var contact = await db.Contacts.AsNoTracking().Where(c => c.Id == id)
            .Select(c => new
            {
                Edit = new ContactForEdit(c.Id, c.Version, c.Name, c.Channel, c.Address, c.Tags.Select(t => t.Tag).OrderBy(t => t).ToList(),
                    c.OptedOut)
                {
                    OptedOutAt = c.OptedOutAt,
                    OptOutReason = c.OptOutReason,
                },
                Fields = c.Fields.Select(f => new { f.FieldKey, f.Value }).ToList(),
            })
            .SingleOrDefaultAsync(cancellationToken);
        return contact is null ? null : contact.Edit with { Fields = contact.Fields.ToDictionary(f => f.FieldKey, f => f.Value) };
    }

    /// <summary>Ids of matching contacts that can be sent to (not opted out), in the grid's order, at most <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<int>> SelectableIdsAsync(ContactFilter filter, ContactSort sort, bool descending, int max,
        CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await Sorted(Filtered(db, filter with { OptedOut = false }), sort, descending)
            .Select(c => c.Id).Take(max).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<TagCount>> TagsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.ContactTags.GroupBy(t => t.Tag).OrderBy(g => g.Key).Select(g => new TagCount(g.Key, g.Count()))
            .ToListAsync(cancellationToken);
    }

    private static IQueryable<Contact> Filtered(AppDbContext db, ContactFilter filter)
    {
        var query = db.Contacts.AsNoTracking();
        if (filter.Channel is { } channel)
            query = query.Where(c => c.Channel == channel);
        if (filter.OptedOut is { } optedOut)
            query = query.Where(c => c.OptedOut == optedOut);
        if (!string.IsNullOrWhiteSpace(filter.Tag))
        {
            var tag = filter.Tag.Trim().ToLowerInvariant();
            // IN (SELECT …) lets the database seek the (Tag, ContactId) index once instead of probing per contact.
            query = query.Where(c => db.ContactTags.Where(t => t.Tag == tag).Select(t => t.ContactId).Contains(c.Id));
        }
        if (!string.IsNullOrWhiteSpace(filter.Field))
        {
            var key = filter.Field.Trim();
            var values = db.ContactFieldValues.Where(v => v.FieldKey == key);
            if (!string.IsNullOrWhiteSpace(filter.FieldValue))
            {
                var contains = $"%{Escape(filter.FieldValue.Trim())}%";
                values = values.Where(v => EF.Functions.Like(v.Value, contains, "\\"));
            }
            query = query.Where(c => values.Select(v => v.ContactId).Contains(c.Id));
        }
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var pattern = $"%{Escape(filter.Search.Trim())}%";
            // LIKE ignores case on SQLite and SQL Server; PostgreSQL's does not, ILIKE does.
            query = db.Database.IsNpgsql()
                ? query.Where(c => EF.Functions.ILike(c.Name, pattern, "\\") || EF.Functions.ILike(c.Address, pattern, "\\"))
                : query.Where(c => EF.Functions.Like(c.Name, pattern, "\\") || EF.Functions.Like(c.Address, pattern, "\\"));
        }
        return query;
    }

    private static IQueryable<Contact> Sorted(IQueryable<Contact> query, ContactSort sort, bool descending) => (sort, descending) switch
    {
        (ContactSort.Address, false) => query.OrderBy(c => c.Address).ThenBy(c => c.Id),
        (ContactSort.Address, true) => query.OrderByDescending(c => c.Address).ThenByDescending(c => c.Id),
        (ContactSort.Channel, false) => query.OrderBy(c => c.Channel).ThenBy(c => c.Name).ThenBy(c => c.Id),
        (ContactSort.Channel, true) => query.OrderByDescending(c => c.Channel).ThenBy(c => c.Name).ThenBy(c => c.Id),
        (ContactSort.CreatedAt, false) => query.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id),
        (ContactSort.CreatedAt, true) => query.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
        (ContactSort.UpdatedAt, false) => query.OrderBy(c => c.UpdatedAt).ThenBy(c => c.Id),
        (ContactSort.UpdatedAt, true) => query.OrderByDescending(c => c.UpdatedAt).ThenByDescending(c => c.Id),
        (_, true) => query.OrderByDescending(c => c.Name).ThenByDescending(c => c.Id),
        _ => query.OrderBy(c => c.Name).ThenBy(c => c.Id),
    };

    private static string Escape(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
