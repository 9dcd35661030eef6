using BulkSender.Core.Activity;
using BulkSender.Core.Compliance;
using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Contacts;

/// <summary>A change that was refused, with the reason per field (for the form and for a ProblemDetails).</summary>
public sealed record EditErrors(IReadOnlyDictionary<string, string[]> Errors);

/// <summary>Edits of contacts, checked here whoever calls: the grid's dialogs or an endpoint.</summary>
public sealed class ContactEditor(IDbContextFactory<AppDbContext> dbs, OptOutSignal optOuts, TimeProvider clock)
{
    private static readonly ContactInputValidator Validator = new();

    public async Task<EditErrors?> UpdateAsync(int id, ContactInput input, Actor actor, CancellationToken cancellationToken)
    {
        var result = await Validator.ValidateAsync(input, cancellationToken);
        if (!result.IsValid)
            return new EditErrors(result.ToDictionary().AsReadOnly());

        var channel = input.ParsedChannel!.Value;
        var address = input.NormalizedAddress;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var contact = await db.Contacts.Include(c => c.Tags).SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (contact is null)
            return new EditErrors(new Dictionary<string, string[]> { [""] = ["This contact no longer exists."] });
        if (await db.Contacts.AnyAsync(c => c.Id != id && c.Channel == channel && c.Address == address, cancellationToken))
            return new EditErrors(new Dictionary<string, string[]> { [nameof(ContactInput.Address)] = [$"Another {channel} contact already has the address {address}."] });

        var now = clock.GetUtcNow().UtcDateTime;
        contact.Name = input.Name.Trim();
        contact.Channel = channel;
        contact.Address = address;
        var optedOut = input.ParsedOptedOut == true;
        var optingOut = optedOut && !contact.OptedOut;
        if (optedOut != contact.OptedOut)
            (contact.OptedOut, contact.OptedOutAt) = (optedOut, optedOut ? now : null);
        var tags = input.ParsedTags;
        contact.Tags.RemoveAll(t => !tags.Contains(t.Tag));
        contact.Tags.AddRange(tags.Where(t => contact.Tags.All(x => x.Tag != t)).Select(t => new ContactTag { Tag = t }));
        contact.UpdatedAt = now;
        db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.ContactUpdated, now, "Contact", id.ToString(), $"{contact.Name} <{contact.Address}>"));
        await db.SaveChangesAsync(cancellationToken);
        if (optingOut)
            optOuts.Raise();
        return null;
    }

    public async Task<bool> SetOptedOutAsync(int id, bool optedOut, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var changed = await db.Contacts.Where(c => c.Id == id)
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.OptedOut, optedOut)
                .SetProperty(c => c.OptedOutAt, optedOut ? now : null)
                .SetProperty(c => c.UpdatedAt, now), cancellationToken) == 1;
        if (changed && optedOut)
            optOuts.Raise();
        return changed;
    }

    /// <summary>Adds the tag to each of the contacts that lacks it; returns how many gained it.</summary>
    public async Task<int> AddTagAsync(IReadOnlyCollection<int> ids, string tag, CancellationToken cancellationToken)
    {
        tag = CheckedTag(tag);
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var added = 0;
        foreach (var chunk in ids.Distinct().Chunk(1000))
        {
            var existing = await db.Contacts.Where(c => chunk.Contains(c.Id)).Select(c => c.Id).ToListAsync(cancellationToken);
            var having = await db.ContactTags.Where(t => t.Tag == tag && chunk.Contains(t.ContactId)).Select(t => t.ContactId).ToListAsync(cancellationToken);
            var missing = existing.Except(having).ToList();
            db.ContactTags.AddRange(missing.Select(id => new ContactTag { ContactId = id, Tag = tag }));
            added += missing.Count;
        }
        await db.SaveChangesAsync(cancellationToken);
        return added;
    }

    /// <summary>Removes the tag from the contacts; returns how many lost it.</summary>
    public async Task<int> RemoveTagAsync(IReadOnlyCollection<int> ids, string tag, CancellationToken cancellationToken)
    {
        tag = CheckedTag(tag);
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var removed = 0;
        foreach (var chunk in ids.Distinct().Chunk(1000))
            removed += await db.ContactTags.Where(t => t.Tag == tag && chunk.Contains(t.ContactId)).ExecuteDeleteAsync(cancellationToken);
        return removed;
    }

    /// <summary>Deletes the contacts and their tags; past deliveries keep the address they were sent to.</summary>
    public async Task<int> DeleteAsync(IReadOnlyCollection<int> ids, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = 0;
        foreach (var chunk in ids.Distinct().Chunk(1000))
        {
            await db.ContactTags.Where(t => chunk.Contains(t.ContactId)).ExecuteDeleteAsync(cancellationToken);
            await db.Deliveries.Where(d => d.ContactId != null && chunk.Contains(d.ContactId.Value))
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.ContactId, (int?)null), cancellationToken);
            deleted += await db.Contacts.Where(c => chunk.Contains(c.Id)).ExecuteDeleteAsync(cancellationToken);
        }
        db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.ContactsDeleted, clock.GetUtcNow().UtcDateTime, "Contacts", null, $"{deleted} contact(s) deleted."));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    private static string CheckedTag(string tag)
    {
        var parsed = ContactTags.Parse(tag);
        if (parsed.Count != 1 || !ContactTags.IsValid(parsed[0]))
            throw new ArgumentException($"'{tag}' is not a tag: use letters, digits, '-' and '_' (up to {ContactTags.MaxLength} characters).", nameof(tag));
        return parsed[0];
    }
}
