using BulkSender.Core.Activity;
using BulkSender.Core.Data;
using BulkSender.Core.Templates;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Contacts;

/// <summary>A custom field and how many contacts have a value for it.</summary>
public sealed record ContactFieldUsage(string Key, string Label, string? DefaultValue, int Contacts);

/// <summary>
/// The admin's list of custom contact fields: add, relabel, delete (with their values). Checked here whoever calls
/// (Settings page or API): <see cref="ContactFieldInputValidator"/>, and a key is unique.
/// </summary>
public sealed class ContactFieldDefinitions(IDbContextFactory<AppDbContext> dbs, TimeProvider clock)
{
    private static readonly ContactFieldInputValidator Validator = new();

    public async Task<IReadOnlyList<ContactFieldDefinition>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.ContactFieldDefinitions.AsNoTracking().OrderBy(f => f.Key).ToListAsync(cancellationToken);
    }

    /// <summary>The fields with their counts of contacts that have a value (the Settings list).</summary>
    public async Task<IReadOnlyList<ContactFieldUsage>> UsageAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.ContactFieldDefinitions.AsNoTracking().OrderBy(f => f.Key)
            .Select(f => new ContactFieldUsage(f.Key, f.Label, f.DefaultValue, db.ContactFieldValues.Count(v => v.FieldKey == f.Key)))
            .ToListAsync(cancellationToken);
    }

    /// <summary>The fields templates and template parameters can use: the standard ones, then the admin's.</summary>
    public async Task<ContactFieldSet> FieldSetAsync(CancellationToken cancellationToken) =>
        ContactFields.With(await ListAsync(cancellationToken));

    public async Task<EditErrors?> AddAsync(ContactFieldInput input, Actor actor, CancellationToken cancellationToken)
    {
        var result = await Validator.ValidateAsync(input, cancellationToken);
        if (!result.IsValid)
            return new EditErrors(result.ToDictionary().AsReadOnly());
        var key = input.Key.Trim();
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        if (await db.ContactFieldDefinitions.AnyAsync(f => f.Key == key, cancellationToken))
            return EditErrors.Of(nameof(ContactFieldInput.Key), $"There is already a field '{key}'.");
        var now = clock.GetUtcNow().UtcDateTime;
        db.ContactFieldDefinitions.Add(new ContactFieldDefinition
        {
            Key = key,
            Label = input.Label.Trim(),
            DefaultValue = Normalized(input.DefaultValue),
            CreatedAt = now,
        });
        db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.ContactFieldAdded, now, "ContactField", key, $"{key} ({input.Label.Trim()})"));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return EditErrors.Of(nameof(ContactFieldInput.Key), $"There is already a field '{key}'.");
        }
        return null;
    }

    /// <summary>Changes a field's label and default (its key stays: templates and the API name it).</summary>
    public async Task<EditErrors?> UpdateAsync(string key, ContactFieldInput input, Actor actor, CancellationToken cancellationToken)
    {
        var result = await Validator.ValidateAsync(new ContactFieldInput { Key = key, Label = input.Label, DefaultValue = input.DefaultValue },
            cancellationToken);
        if (!result.IsValid)
            return new EditErrors(result.ToDictionary().AsReadOnly());
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var field = await db.ContactFieldDefinitions.SingleOrDefaultAsync(f => f.Key == key, cancellationToken);
        if (field is null)
            return EditErrors.Of("", $"There is no field '{key}'.");
        field.Label = input.Label.Trim();
        field.DefaultValue = Normalized(input.DefaultValue);
        db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.ContactFieldChanged, clock.GetUtcNow().UtcDateTime, "ContactField", key,
            $"{key} ({field.Label})"));
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    /// <summary>Deletes the field and every contact's value of it; false when there is no such field.</summary>
    public async Task<bool> DeleteAsync(string key, Actor actor, CancellationToken cancellationToken) =>
        await dbs.InTransactionAsync(async (db, ct) =>
        {
            var values = await db.ContactFieldValues.Where(v => v.FieldKey == key).ExecuteDeleteAsync(ct);
            if (await db.ContactFieldDefinitions.Where(f => f.Key == key).ExecuteDeleteAsync(ct) == 0)
                return false;
            db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.ContactFieldDeleted, clock.GetUtcNow().UtcDateTime, "ContactField", key,
                $"{key} and its {values:N0} value(s)"));
            await db.SaveChangesAsync(ct);
            return true;
        }, cancellationToken);

    /// <summary>Creates the fields an import found (label = the CSV header), in the caller's transaction; skips existing keys.</summary>
    internal static async Task CreateAsync(AppDbContext db, IReadOnlyList<ImportField> fields, DateTime now, CancellationToken cancellationToken)
    {
        var keys = fields.Select(f => f.Key).ToList();
        var existing = await db.ContactFieldDefinitions.Where(f => keys.Contains(f.Key)).Select(f => f.Key).ToListAsync(cancellationToken);
        db.ContactFieldDefinitions.AddRange(fields.Where(f => !existing.Contains(f.Key))
            .Select(f => new ContactFieldDefinition
            {
                Key = f.Key,
                Label = f.Label.Length > ContactFieldKeys.MaxLabelLength ? f.Label[..ContactFieldKeys.MaxLabelLength] : f.Label,
                CreatedAt = now,
            }));
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>One contact's custom field values by key (a field without a value has no entry).</summary>
    internal static Task<Dictionary<string, string>> ValuesOfAsync(AppDbContext db, int contactId, CancellationToken cancellationToken) =>
        db.ContactFieldValues.AsNoTracking().Where(v => v.ContactId == contactId)
            .ToDictionaryAsync(v => v.FieldKey, v => v.Value, StringComparer.Ordinal, cancellationToken);

    private static string? Normalized(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
