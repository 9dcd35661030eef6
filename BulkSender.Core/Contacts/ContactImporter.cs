using System.Globalization;
using System.Text;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Contacts;

public sealed record RejectedRow(int Line, string Reason, string? Address);

/// <param name="LastInboundAt">When the contact last wrote (UTC), if the file says; an import only moves it forward.</param>
/// <param name="FieldValues">The row's values of <see cref="ParsedImport.Fields"/>, in the same order (empty: none).</param>
public sealed record ImportRow(int Line, string Name, ChannelKind Channel, string Address, IReadOnlyList<string> Tags, bool OptedOut,
    DateTime? LastInboundAt = null, IReadOnlyList<string>? FieldValues = null)
{
    /// <summary>The value of the file's custom field at <paramref name="index"/> of <see cref="ParsedImport.Fields"/>.</summary>
    public string FieldValue(int index) => FieldValues is { } values && index < values.Count ? values[index] : "";
}

/// <summary>A file read and checked row by row, nothing written yet.</summary>
/// <param name="IgnoredColumns">Columns of the file the import does not read, as <see cref="ImportHeader.Ignored"/> names them.</param>
/// <param name="Fields">The columns read as custom fields (<see cref="ImportHeader.Fields"/>).</param>
public sealed record ParsedImport(
    IReadOnlyList<ImportRow> Rows, IReadOnlyList<RejectedRow> Rejected, bool HasTagsColumn, bool HasOptedOutColumn,
    IReadOnlyList<string> IgnoredColumns, IReadOnlyList<ImportField>? Fields = null)
{
    public int TotalRows => Rows.Count + Rejected.Count;

    public IReadOnlyList<ImportField> FieldColumns => Fields ?? [];

    /// <summary>
    /// The user confirmed "create them?": columns that are not fields yet become fields (label = the header). Without it
    /// their values are not imported (the result names them among the ignored columns).
    /// </summary>
    public bool CreateNewFields { get; init; }
}

/// <param name="Fields">The file's custom field columns that are fields already (their values are imported).</param>
/// <param name="NewFields">The file's columns that are not fields yet: imported only when the user confirms creating them.</param>
public sealed record ImportPreview(
    int ToAdd, int ToUpdate, IReadOnlyList<RejectedRow> Rejected, IReadOnlyList<ImportRow> Sample, IReadOnlyList<string> IgnoredColumns,
    IReadOnlyList<ImportField>? Fields = null, IReadOnlyList<ImportField>? NewFields = null)
{
    public IReadOnlyList<ImportField> KnownFields => Fields ?? [];

    public IReadOnlyList<ImportField> FieldsToCreate => NewFields ?? [];
}

/// <param name="CreatedFields">The keys of the fields the import created.</param>
public sealed record ImportResult(int Added, int Updated, IReadOnlyList<RejectedRow> Rejected, IReadOnlyList<string> IgnoredColumns,
    IReadOnlyList<string>? CreatedFields = null);

public sealed record ImportProgress(int Processed, int Total);

/// <summary>
/// CSV import: a header row naming name, address, channel (and optionally tags, opted_out, last_inbound_at; any other
/// named column is a custom field, created when the user confirms, see <see cref="ImportHeader"/>), records read as
/// RFC 4180 says (see <see cref="ImportCsvReader"/>:
/// a quoted value may span lines; a name's line breaks become spaces, any other known column's reject the row). Every row
/// is checked by <see cref="ContactInputValidator"/>; rejected rows are reported with their first line and reason and
/// change nothing.
/// Re-importing a contact (same channel + address) updates it. An import can opt a contact out but never back in, and
/// moves a last inbound time forward, never back (a newer one recorded from the contact's own message stays).
/// </summary>
public sealed class ContactImporter(IDbContextFactory<AppDbContext> dbs, IOptions<ContactsOptions> options, OptOutSignal optOuts, TimeProvider clock)
{
    public const int SampleSize = 20;
    private const int ChunkSize = 1000;

    /// <summary>How far ahead of this server's clock a last inbound time may be (another machine's clock) before it is refused.</summary>
    private static readonly TimeSpan FutureSkew = TimeSpan.FromMinutes(5);
    /// <summary>The columns where a line break (inside a quoted value) rejects the row; in a name it becomes a space.</summary>
    private static readonly string[] LineBroken =
        [ImportHeader.Address, ImportHeader.Channel, ImportHeader.Tags, ImportHeader.OptedOut, ImportHeader.LastInboundAt];
    private static readonly ContactInputValidator Validator = new();

    public long MaxBytes => options.Value.MaxImportBytes;

    /// <summary>The size limit as people read it ("20 MB").</summary>
    public string MaxSizeText => FormatSize(MaxBytes);

    /// <summary>What a file over the limit is told, wherever it arrives (page or API).</summary>
    public string TooLargeMessage => $"The file is larger than the {MaxSizeText} limit. Split it into smaller files.";

    public async Task<ParsedImport> ParseAsync(Stream stream, CancellationToken cancellationToken)
    {
        var text = await ReadTextAsync(stream, cancellationToken);
        var (names, records) = await ImportCsvReader.ReadAsync(text, cancellationToken);
        var header = new ImportHeader(names);
        if (header.IsEmpty)
            throw new ImportFileException("The file is empty.");
        if (header.Missing is { Count: > 0 } missing)
            throw new ImportFileException(
                $"The first row must be a header naming the columns name, address and channel (missing: {string.Join(", ", missing)}). " +
                "Download the sample file to see the format.");
        var latestInbound = clock.GetUtcNow().UtcDateTime + FutureSkew;
        var unnamedWithValues = new HashSet<int>();

        var rows = new List<ImportRow>();
        var rejected = new List<RejectedRow>();
        var seen = new Dictionary<(ChannelKind, string), int>();
        foreach (var record in records)
        {
            var line = record.Line;
            string? Field(string column) =>
                !header.Has(column) ? null : header.IndexOf(column) is var i && i < record.Fields.Length ? record.Fields[i] : "";
            unnamedWithValues.UnionWith(header.Unnamed.Where(c => c < record.Fields.Length && !string.IsNullOrWhiteSpace(record.Fields[c])));
            var input = new ContactInput
            {
                Name = OneLine(Field(ImportHeader.Name)!),
                Address = Field(ImportHeader.Address)!,
                Channel = Field(ImportHeader.Channel)!,
                Tags = Field(ImportHeader.Tags),
                OptedOut = Field(ImportHeader.OptedOut),
                LastInboundAt = Field(ImportHeader.LastInboundAt),
            };
            var values = header.Fields.Count == 0 ? null
                : header.Fields.Select(f => f.Column < record.Fields.Length ? OneLine(record.Fields[f.Column]).Trim() : "").ToArray();
            if (record.Malformed)
            {
                rejected.Add(new RejectedRow(line, "The row's quotes do not match (a value opened with \" must close with \").", input.Address));
                continue;
            }
            if (record.Fields.Length > names.Count)
            {
                var counts = $"The row has {record.Fields.Length} fields but the header names {names.Count}";
                rejected.Add(new RejectedRow(line, $"{counts} (a comma inside an unquoted value?).", input.Address));
                continue;
            }
            if (LineBroken.FirstOrDefault(column => Field(column) is { } value && HasLineBreak(value)) is { } broken)
            {
                var lines = $"the row runs from line {line} to line {record.LastLine}";
                rejected.Add(new RejectedRow(line, $"The {broken} contains a line break ({lines}); only a name may.", input.Address));
                continue;
            }
            if (values?.Select((v, i) => (v, i)).FirstOrDefault(x => x.v.Length > ContactFieldKeys.MaxValueLength) is { v: not null } tooLong)
            {
                var fieldKey = header.Fields[tooLong.i].Key;
                var reason = $"The {fieldKey} is longer than {ContactFieldKeys.MaxValueLength:N0} characters.";
                rejected.Add(new RejectedRow(line, reason, input.Address));
                continue;
            }
            var result = Validator.Validate(input);
            if (!result.IsValid)
            {
                rejected.Add(new RejectedRow(line, string.Join(" ", result.Errors.Select(e => e.ErrorMessage).Distinct()), input.Address));
                continue;
            }
            if (input.ParsedLastInboundAt > latestInbound)
            {
                rejected.Add(new RejectedRow(line, $"last_inbound_at '{input.LastInboundAt!.Trim()}' is in the future.", input.Address));
                continue;
            }
            var key = (input.ParsedChannel!.Value, input.NormalizedAddress);
            if (seen.TryGetValue(key, out var first))
            {
                rejected.Add(new RejectedRow(line, $"Duplicate of line {first} (same channel and address).", input.Address));
                continue;
            }
            seen[key] = line;
            rows.Add(new ImportRow(line, input.Name.Trim(), key.Item1, key.Item2, input.ParsedTags, input.ParsedOptedOut == true,
                input.ParsedLastInboundAt, values));
        }

        if (rows.Count + rejected.Count == 0)
            throw new ImportFileException("The file has a header row but no contacts.");
        return new ParsedImport(
            rows, rejected, header.Has(ImportHeader.Tags), header.Has(ImportHeader.OptedOut), header.Ignored(unnamedWithValues), header.Fields);
    }

    /// <summary>A name written over several lines of a spreadsheet cell: each line break (and the space around it) becomes one space.</summary>
    private static string OneLine(string value) => !HasLineBreak(value) ? value
        : string.Join(' ', value.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static bool HasLineBreak(string value) => value.AsSpan().ContainsAny('\r', '\n');

    public async Task<ImportPreview> PreviewAsync(ParsedImport file, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var existing = 0;
        foreach (var chunk in file.Rows.Chunk(ChunkSize))
            existing += (await ExistingAsync(db.Contacts.AsNoTracking(), chunk, cancellationToken)).Count;
        var defined = await DefinedAsync(db, file, cancellationToken);
        return new ImportPreview(file.Rows.Count - existing, existing, file.Rejected, file.Rows.Take(SampleSize).ToList(), file.IgnoredColumns,
            file.FieldColumns.Where(f => defined.Contains(f.Key)).ToList(), file.FieldColumns.Where(f => !defined.Contains(f.Key)).ToList());
    }

    /// <summary>Which of the file's field columns are fields already.</summary>
    private static async Task<HashSet<string>> DefinedAsync(AppDbContext db, ParsedImport file, CancellationToken cancellationToken)
    {
        var keys = file.FieldColumns.Select(f => f.Key).ToList();
        return keys.Count == 0 ? []
            : (await db.ContactFieldDefinitions.Where(f => keys.Contains(f.Key)).Select(f => f.Key).ToListAsync(cancellationToken)).ToHashSet();
    }

    /// <summary>Writes the valid rows in one transaction: all of them, or (on failure) none.</summary>
    public async Task<ImportResult> ImportAsync(ParsedImport file, Actor actor, string fileName, IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        int added = 0, updated = 0, processed = 0;
        progress?.Report(new ImportProgress(0, file.Rows.Count));

        var defined = await DefinedAsync(db, file, cancellationToken);
        var created = file.CreateNewFields ? file.FieldColumns.Where(f => !defined.Contains(f.Key)).ToList() : [];
        if (created.Count > 0)
            await ContactFieldDefinitions.CreateAsync(db, created, now, cancellationToken);
        var fields = file.FieldColumns.Select((f, i) => (f.Key, Index: i)).Where(f => defined.Contains(f.Key) || created.Any(c => c.Key == f.Key))
            .ToArray();
        var ignored = file.IgnoredColumns.Concat(file.FieldColumns.Where(f => fields.All(x => x.Key != f.Key))
            .Select(f => $"{f.Label} (not a contact field)")).ToList();

        foreach (var chunk in file.Rows.Chunk(ChunkSize))
        {
            var (chunkAdded, chunkUpdated) = await WriteChunkAsync(db, chunk, file.HasTagsColumn, fields, now, cancellationToken);
            (added, updated) = (added + chunkAdded, updated + chunkUpdated);
            processed += chunk.Length;
            progress?.Report(new ImportProgress(processed, file.Rows.Count));
        }

        db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.ContactsImported, now, "Contacts", null,
            $"{fileName}: {added} added, {updated} updated, {file.Rejected.Count} rejected."));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (file.Rows.Any(r => r.OptedOut))
            optOuts.Raise();
        return new ImportResult(added, updated, file.Rejected, ignored, created.Select(f => f.Key).ToList());
    }

    /// <summary>
    /// One chunk, in the import's transaction. An update carries the contact's version (its concurrency token): when a
    /// contact changed between the read and the write (a webhook, an opt-out), the chunk is read and applied again.
    /// </summary>
    /// <param name="fields">The custom fields written: key and index in the rows' <see cref="ImportRow.FieldValues"/>.</param>
    private static async Task<(int Added, int Updated)> WriteChunkAsync(AppDbContext db, ImportRow[] chunk, bool hasTags,
        (string Key, int Index)[] fields, DateTime now, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            int added = 0, updated = 0;
            var newValues = new List<(Contact Contact, string Key, string Value)>();
            IQueryable<Contact> contacts = fields.Length == 0
                ? db.Contacts.Include(c => c.Tags)
                : db.Contacts.Include(c => c.Tags).Include(c => c.Fields);
            var known = await ExistingAsync(contacts, chunk, cancellationToken);
            foreach (var row in chunk)
            {
                if (known.TryGetValue((row.Channel, row.Address), out var contact))
                {
                    contact.Name = row.Name;
                    if (row.OptedOut && !contact.OptedOut)
                        (contact.OptedOut, contact.OptedOutAt) = (true, now);
                    if (hasTags)
                    {
                        contact.Tags.RemoveAll(t => !row.Tags.Contains(t.Tag));
                        contact.Tags.AddRange(row.Tags.Where(t => contact.Tags.All(x => x.Tag != t)).Select(t => new ContactTag { Tag = t }));
                    }
                    if (row.LastInboundAt is { } inbound && !(contact.LastInboundAt >= inbound))
                        contact.LastInboundAt = inbound;
                    foreach (var (key, index) in fields)
                        SetField(contact, key, row.FieldValue(index));
                    contact.UpdatedAt = now;
                    contact.Version++;
                    updated++;
                }
                else
                {
                    var adding = new Contact
                    {
                        Channel = row.Channel,
                        Address = row.Address,
                        Name = row.Name,
                        OptedOut = row.OptedOut,
                        OptedOutAt = row.OptedOut ? now : null,
                        LastInboundAt = row.LastInboundAt,
                        CreatedAt = now,
                        UpdatedAt = now,
                        Tags = row.Tags.Select(t => new ContactTag { Tag = t }).ToList(),
                    };
                    db.Contacts.Add(adding);
                    // Written below in a few multi-row statements once the contact has its id: five fields of 100,000 new
                    // contacts are half a million rows, too many to track one by one.
                    newValues.AddRange(fields.Where(f => row.FieldValue(f.Index).Length > 0).Select(f => (adding, f.Key, row.FieldValue(f.Index))));
                    added++;
                }
            }
            try
            {
                // Inside a transaction EF Core saves to a savepoint: a refused chunk leaves the earlier chunks as they were.
                await db.SaveChangesAsync(cancellationToken);
                foreach (var rows in newValues.Chunk(InsertValuesRows))
                    await db.ExecuteAsync(InsertValuesSql(rows.Select(v => (v.Contact.Id, v.Key, v.Value)).ToList()), cancellationToken);
                return (added, updated);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>Rows per <see cref="InsertValuesSql"/>: 900 parameters, under SQL Server's 2,100 (SQLite's and PostgreSQL's are higher).</summary>
    internal const int InsertValuesRows = 300;

    /// <summary>New contacts' field values in one multi-row insert.</summary>
    internal static RawSql InsertValuesSql(IReadOnlyList<(int ContactId, string Key, string Value)> rows)
    {
        var text = new StringBuilder("INSERT INTO \"ContactFieldValues\" (\"ContactId\", \"FieldKey\", \"Value\") VALUES ");
        var args = new object[rows.Count * 3];
        for (var i = 0; i < rows.Count; i++)
        {
            text.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({{{i * 3}}}, {{{i * 3 + 1}}}, {{{i * 3 + 2}}})");
            (args[i * 3], args[i * 3 + 1], args[i * 3 + 2]) = (rows[i].ContactId, rows[i].Key, rows[i].Value);
        }
        return new RawSql(text.ToString(), args);
    }

    /// <summary>Sets one custom field of a tracked contact (its values loaded): an empty value removes it.</summary>
    internal static void SetField(Contact contact, string key, string value)
    {
        var current = contact.Fields.Find(v => v.FieldKey == key);
        if (value.Length == 0)
        {
            if (current is not null)
                contact.Fields.Remove(current);
        }
        else if (current is null)
            contact.Fields.Add(new ContactFieldValue { FieldKey = key, Value = value });
        else
            current.Value = value;
    }

    private static async Task<Dictionary<(ChannelKind, string), Contact>> ExistingAsync(IQueryable<Contact> contacts, ImportRow[] chunk,
        CancellationToken cancellationToken)
    {
        var found = new Dictionary<(ChannelKind, string), Contact>();
        foreach (var group in chunk.GroupBy(r => r.Channel))
        {
            var channel = group.Key;
            var addresses = group.Select(r => r.Address).ToList();
            foreach (var contact in await contacts.Where(c => c.Channel == channel && addresses.Contains(c.Address)).ToListAsync(cancellationToken))
                found[(contact.Channel, contact.Address)] = contact;
        }
        return found;
    }

    private async Task<string> ReadTextAsync(Stream stream, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxImportBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
                throw new ImportFileException(TooLargeMessage);
            buffer.Write(chunk, 0, read);
        }
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (bytes.Length == 0)
            throw new ImportFileException("The file is empty.");
        if (bytes.Contains((byte)0))
            throw new ImportFileException("This is not a CSV file: it contains binary data. Export your contacts as CSV (UTF-8) and try again.");
        try
        {
            var text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
            return text.TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            throw new ImportFileException("The file is not UTF-8 text. Save it as \"CSV UTF-8\" and try again.");
        }
    }

    private static string FormatSize(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024 * 1024)} MB" : $"{bytes / 1024} KB";
}
