using System.Globalization;
using BulkSender.Core.Activity;
using BulkSender.Core.Compliance;
using BulkSender.Core.Data;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Contacts;

/// <summary>
/// A change that was refused, with the reason per field (for the form and for a ProblemDetails). <see cref="Conflict"/>:
/// the contact changed since the form read it; show it again.
/// </summary>
public sealed record EditErrors(IReadOnlyDictionary<string, string[]> Errors, bool Conflict = false)
{
    public static EditErrors Of(string field, string message, bool conflict = false) =>
        new(new Dictionary<string, string[]> { [field] = [message] }, conflict);
}

/// <summary>
/// Edits of contacts, checked here whoever calls: the grid's dialogs or an endpoint. An edit carries the
/// <see cref="Contact.Version"/> it was made on and is refused when the contact changed since (an opt-out by link or
/// "STOP", an import, a tag, a message from the contact). An edit can opt a contact out, never back in: that is
/// <see cref="OptBackInAsync"/>, its own confirmed and logged action.
/// </summary>
public sealed class ContactEditor(IDbContextFactory<AppDbContext> dbs, OptOutSignal optOuts, TimeProvider clock)
{
    public const string ChangedMessage = "This contact changed since you opened it";
    public const string NotFoundMessage = "This contact no longer exists.";
    public const string OptInRefusedMessage = "An edit cannot opt a contact back in: use \"Opt back in\", which asks for confirmation.";

    private static readonly ContactInputValidator Validator = new();

    public async Task<EditErrors?> UpdateAsync(int id, long version, ContactInput input, Actor actor, CancellationToken cancellationToken)
    {
        var result = await Validator.ValidateAsync(input, cancellationToken);
        if (!result.IsValid)
            return new EditErrors(result.ToDictionary().AsReadOnly());

        var channel = input.ParsedChannel!.Value;
        var address = input.NormalizedAddress;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        if (await UnknownFieldsAsync(db, input.Fields.Keys, cancellationToken) is { } unknown)
            return EditErrors.Of(nameof(ContactInput.Fields), unknown);
        var contact = await db.Contacts.Include(c => c.Tags).Include(c => c.Fields).SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (contact is null)
            return EditErrors.Of("", NotFoundMessage);
        if (contact.Version != version)
            return EditErrors.Of("", ChangedMessage, conflict: true);
        var optedOut = input.ParsedOptedOut == true;
        if (contact.OptedOut && !optedOut)
            return EditErrors.Of(nameof(ContactInput.OptedOut), OptInRefusedMessage);
        if (await db.Contacts.AnyAsync(c => c.Id != id && c.Channel == channel && c.Address == address, cancellationToken))
            return EditErrors.Of(nameof(ContactInput.Address), $"Another {channel} contact already has the address {address}.");

        var now = clock.GetUtcNow().UtcDateTime;
        contact.Name = input.Name.Trim();
        contact.Channel = channel;
        contact.Address = address;
        var optingOut = optedOut && !contact.OptedOut;
        if (optingOut)
            (contact.OptedOut, contact.OptedOutAt) = (true, now);
        var tags = input.ParsedTags;
        contact.Tags.RemoveAll(t => !tags.Contains(t.Tag));
        contact.Tags.AddRange(tags.Where(t => contact.Tags.All(x => x.Tag != t)).Select(t => new ContactTag { Tag = t }));
        foreach (var (key, value) in input.Fields)
            ContactImporter.SetField(contact, key, value?.Trim() ?? "");
        contact.UpdatedAt = now;
        // The concurrency token: the UPDATE only matches while Version is still the one read above.
        contact.Version++;
        db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.ContactUpdated, now, "Contact", id.ToString(CultureInfo.InvariantCulture),
            $"{contact.Name} <{contact.Address}>"));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return EditErrors.Of("", ChangedMessage, conflict: true);
        }
        if (optingOut)
            optOuts.Raise();
        return null;
    }

    /// <summary>
    /// Sets custom field values of one contact (the API's PATCH): each key given is set, an empty or null value clears
    /// it, the others stay. Refused when a key is not a field or a value is too long.
    /// </summary>
    public async Task<EditErrors?> SetFieldsAsync(int id, IReadOnlyDictionary<string, string?> fields, Actor actor,
        CancellationToken cancellationToken)
    {
        var result = await Validator.ValidateAsync(ValidationContext<ContactInput>.CreateWithOptions(new ContactInput { Fields = new(fields) },
            o => o.IncludeProperties(nameof(ContactInput.Fields))), cancellationToken);
        if (!result.IsValid)
            return new EditErrors(result.ToDictionary().AsReadOnly());
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        if (await UnknownFieldsAsync(db, fields.Keys, cancellationToken) is { } unknown)
            return EditErrors.Of(nameof(ContactInput.Fields), unknown);
        var contact = await db.Contacts.Include(c => c.Fields).SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (contact is null)
            return EditErrors.Of("", NotFoundMessage);
        foreach (var (key, value) in fields)
            ContactImporter.SetField(contact, key, value?.Trim() ?? "");
        var now = clock.GetUtcNow().UtcDateTime;
        contact.UpdatedAt = now;
        contact.Version++;
        db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.ContactUpdated, now, "Contact", id.ToString(CultureInfo.InvariantCulture),
            $"{contact.Name} <{contact.Address}>: {string.Join(", ", fields.Keys)}"));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return EditErrors.Of("", ChangedMessage, conflict: true);
        }
        return null;
    }

    /// <summary>"'citty' is not a contact field (fields: city, plan)." when a key is not defined; null when all are.</summary>
    private static async Task<string?> UnknownFieldsAsync(AppDbContext db, IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        var given = keys.ToList();
        if (given.Count == 0)
            return null;
        var defined = await db.ContactFieldDefinitions.Select(f => f.Key).ToListAsync(cancellationToken);
        var unknown = given.Where(k => !defined.Contains(k)).ToList();
        return unknown.Count == 0 ? null
            : $"'{string.Join("', '", unknown)}' {(unknown.Count == 1 ? "is not a contact field" : "are not contact fields")} " +
              $"({(defined.Count == 0 ? "no field is defined: an admin adds them in Settings" : "fields: " + string.Join(", ", defined))}).";
    }

    /// <summary>Opts the contact out by hand (always safe, whatever changed since); false when it was out already or is gone.</summary>
    public async Task<bool> OptOutAsync(int id, Actor actor, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var changed = await db.Contacts.Where(c => c.Id == id && !c.OptedOut)
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.OptedOut, true)
                .SetProperty(c => c.OptedOutAt, now)
                .SetProperty(c => c.UpdatedAt, now)
                .SetProperty(c => c.Version, c => c.Version + 1), cancellationToken) == 1;
        if (!changed)
            return false;
        optOuts.Raise();
        await LogAsync(db, actor, ActivityActions.ContactOptedOut, id, "opted out by hand", now, cancellationToken);
        return true;
    }

    /// <summary>
    /// The one way back in, after the person asked for it and the user confirmed: refused when the contact changed
    /// since <paramref name="version"/> (it may have opted out again meanwhile). Logged as its own action.
    /// </summary>
    public async Task<EditErrors?> OptBackInAsync(int id, long version, Actor actor, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var changed = await db.Contacts.Where(c => c.Id == id && c.Version == version && c.OptedOut)
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.OptedOut, false)
                .SetProperty(c => c.OptedOutAt, (DateTime?)null)
                .SetProperty(c => c.OptOutReason, (string?)null)
                .SetProperty(c => c.UpdatedAt, now)
                .SetProperty(c => c.Version, c => c.Version + 1), cancellationToken) == 1;
        if (changed)
        {
            await LogAsync(db, actor, ActivityActions.ContactOptedIn, id, "opted back in", now, cancellationToken);
            return null;
        }
        var current = await db.Contacts.Where(c => c.Id == id).Select(c => new { c.Version, c.OptedOut }).SingleOrDefaultAsync(cancellationToken);
        return current is null ? EditErrors.Of("", NotFoundMessage)
            : current.Version != version ? EditErrors.Of("", ChangedMessage, conflict: true)
            : EditErrors.Of(nameof(ContactInput.OptedOut), "This contact is not opted out.");
    }

    /// <summary>Adds the tag to each of the contacts that lacks it; returns how many gained it.</summary>
    public async Task<int> AddTagAsync(IReadOnlyCollection<int> ids, string tag, CancellationToken cancellationToken)
    {
        tag = CheckedTag(tag);
        return await dbs.InTransactionAsync(async (db, ct) =>
        {
            var added = 0;
            foreach (var chunk in ids.Distinct().Chunk(1000))
            {
                var existing = await db.Contacts.Where(c => chunk.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
                var having = await db.ContactTags.Where(t => t.Tag == tag && chunk.Contains(t.ContactId)).Select(t => t.ContactId).ToListAsync(ct);
                var missing = existing.Except(having).ToList();
                db.ContactTags.AddRange(missing.Select(id => new ContactTag { ContactId = id, Tag = tag }));
                await db.Contacts.Where(c => missing.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.Version, c => c.Version + 1), ct);
                added += missing.Count;
            }
            await db.SaveChangesAsync(ct);
            return added;
        }, cancellationToken);
    }

    /// <summary>Removes the tag from the contacts; returns how many lost it.</summary>
    public async Task<int> RemoveTagAsync(IReadOnlyCollection<int> ids, string tag, CancellationToken cancellationToken)
    {
        tag = CheckedTag(tag);
        return await dbs.InTransactionAsync(async (db, ct) =>
        {
            var removed = 0;
            foreach (var chunk in ids.Distinct().Chunk(1000))
            {
                var having = db.ContactTags.Where(t => t.Tag == tag && chunk.Contains(t.ContactId));
                await db.Contacts.Where(c => having.Any(t => t.ContactId == c.Id)).ExecuteUpdateAsync(s =>
                    s.SetProperty(c => c.Version, c => c.Version + 1), ct);
                removed += await having.ExecuteDeleteAsync(ct);
            }
            return removed;
        }, cancellationToken);
    }

    /// <summary>Deletes the contacts and their tags; past deliveries keep the address they were sent to.</summary>
    public Task<int> DeleteAsync(IReadOnlyCollection<int> ids, Actor actor, CancellationToken cancellationToken) =>
        dbs.InTransactionAsync(async (db, ct) =>
        {
            var deleted = 0;
            foreach (var chunk in ids.Distinct().Chunk(1000))
            {
                await db.ContactTags.Where(t => chunk.Contains(t.ContactId)).ExecuteDeleteAsync(ct);
                await db.ContactFieldValues.Where(v => chunk.Contains(v.ContactId)).ExecuteDeleteAsync(ct);
                await db.Deliveries.Where(d => d.ContactId != null && chunk.Contains(d.ContactId.Value))
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.ContactId, (int?)null), ct);
                deleted += await db.Contacts.Where(c => chunk.Contains(c.Id)).ExecuteDeleteAsync(ct);
            }
            db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.ContactsDeleted, clock.GetUtcNow().UtcDateTime, "Contacts", null,
                $"{deleted} contact(s) deleted."));
            await db.SaveChangesAsync(ct);
            return deleted;
        }, cancellationToken);

    private static async Task LogAsync(AppDbContext db, Actor actor, string action, int id, string what, DateTime now,
        CancellationToken cancellationToken)
    {
        var contact = await db.Contacts.Where(c => c.Id == id).Select(c => new { c.Name, c.Address }).SingleAsync(cancellationToken);
        db.Activity.Add(ActivityLog.Entry(actor, action, now, "Contact", id.ToString(CultureInfo.InvariantCulture),
            $"{contact.Name} <{contact.Address}> {what}"));
        await db.SaveChangesAsync(cancellationToken);
    }

    private static string CheckedTag(string tag)
    {
        var parsed = ContactTags.Parse(tag);
        if (parsed.Count != 1 || !ContactTags.IsValid(parsed[0]))
            throw new ArgumentException(
                $"'{tag}' is not a tag: use letters, digits, '-' and '_' (up to {ContactTags.MaxLength} characters).", nameof(tag));
        return parsed[0];
    }
}
