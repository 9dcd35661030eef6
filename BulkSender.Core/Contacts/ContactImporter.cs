using System.Text;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Data;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Contacts;

public sealed record RejectedRow(int Line, string Reason, string? Address);

/// <param name="LastInboundAt">When the contact last wrote (UTC), if the file says; an import only moves it forward.</param>
public sealed record ImportRow(int Line, string Name, ChannelKind Channel, string Address, IReadOnlyList<string> Tags, bool OptedOut, DateTime? LastInboundAt = null);

/// <summary>A file read and checked row by row, nothing written yet.</summary>
public sealed record ParsedImport(IReadOnlyList<ImportRow> Rows, IReadOnlyList<RejectedRow> Rejected, bool HasTagsColumn, bool HasOptedOutColumn)
{
    public int TotalRows => Rows.Count + Rejected.Count;
}

public sealed record ImportPreview(int ToAdd, int ToUpdate, IReadOnlyList<RejectedRow> Rejected, IReadOnlyList<ImportRow> Sample);

public sealed record ImportResult(int Added, int Updated, IReadOnlyList<RejectedRow> Rejected);

public sealed record ImportProgress(int Processed, int Total);

/// <summary>
/// CSV import: a header row naming name, address, channel (and optionally tags, opted_out, last_inbound_at). Every row is checked by
/// <see cref="ContactInputValidator"/>; rejected rows are reported with their line and reason and change nothing.
/// Re-importing a contact (same channel + address) updates it. An import can opt a contact out but never back in, and
/// moves a last inbound time forward, never back (a newer one recorded from the contact's own message stays).
/// </summary>
public sealed class ContactImporter(IDbContextFactory<AppDbContext> dbs, IOptions<ContactsOptions> options, OptOutSignal optOuts, TimeProvider clock)
{
    public const int SampleSize = 20;
    private const int ChunkSize = 1000;

    /// <summary>How far ahead of this server's clock a last inbound time may be (another machine's clock) before it is refused.</summary>
    private static readonly TimeSpan FutureSkew = TimeSpan.FromMinutes(5);
    private static readonly string[] Required = ["name", "address", "channel"];
    private static readonly ContactInputValidator Validator = new();

    public long MaxBytes => options.Value.MaxImportBytes;

    /// <summary>The size limit as people read it ("20 MB").</summary>
    public string MaxSizeText => FormatSize(MaxBytes);

    /// <summary>What a file over the limit is told, wherever it arrives (page or API).</summary>
    public string TooLargeMessage => $"The file is larger than the {MaxSizeText} limit. Split it into smaller files.";

    public async Task<ParsedImport> ParseAsync(Stream stream, CancellationToken cancellationToken)
    {
        var text = await ReadTextAsync(stream, cancellationToken);
        var malformed = new HashSet<long>();
        using var csv = CsvReader.FromText(text, CsvReaderOptions.Default with
        {
            NormalizeHeaderName = Canonical,
            TrackLineNumbers = true,
            // One stray quote must not swallow the rest of the file.
            AllowLineBreaksInQuotes = false,
            OnMalformedRecord = record => malformed.Add(record.LineNumber),
        });

        await csv.ReadHeaderAsync(cancellationToken);
        var header = csv.Headers.Select(Canonical).ToList();
        if (header.Count == 0 || header.All(string.IsNullOrEmpty))
            throw new ImportFileException("The file is empty.");
        var missing = Required.Where(r => !header.Contains(r)).ToList();
        if (missing.Count > 0)
            throw new ImportFileException(
                $"The first row must be a header naming the columns name, address and channel (missing: {string.Join(", ", missing)}). Download the sample file to see the format.");
        var hasTags = header.Contains("tags");
        var hasOptedOut = header.Contains("opted_out");
        var hasLastInbound = header.Contains("last_inbound_at");
        var latestInbound = clock.GetUtcNow().UtcDateTime + FutureSkew;
        string Field(string column) => header.IndexOf(column) is var i and >= 0 && i < csv.FieldCount ? csv.GetString(i) ?? "" : "";

        var rows = new List<ImportRow>();
        var rejected = new List<RejectedRow>();
        var seen = new Dictionary<(ChannelKind, string), int>();
        while (await csv.ReadAsync(cancellationToken))
        {
            var line = (int)csv.LineNumber;
            var input = new ContactInput
            {
                Name = Field("name"),
                Address = Field("address"),
                Channel = Field("channel"),
                Tags = hasTags ? Field("tags") : null,
                OptedOut = hasOptedOut ? Field("opted_out") : null,
                LastInboundAt = hasLastInbound ? Field("last_inbound_at") : null,
            };
            if (malformed.Contains(line))
            {
                rejected.Add(new RejectedRow(line, "The row's quotes do not match (a value opened with \" must close with \").", input.Address));
                continue;
            }
            if (csv.FieldCount > header.Count)
            {
                rejected.Add(new RejectedRow(line, $"The row has {csv.FieldCount} fields but the header names {header.Count} (a comma inside an unquoted value?).", input.Address));
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
            rows.Add(new ImportRow(line, input.Name.Trim(), key.Item1, key.Item2, input.ParsedTags, input.ParsedOptedOut == true, input.ParsedLastInboundAt));
        }

        if (rows.Count + rejected.Count == 0)
            throw new ImportFileException("The file has a header row but no contacts.");
        return new ParsedImport(rows, rejected, hasTags, hasOptedOut);
    }

    public async Task<ImportPreview> PreviewAsync(ParsedImport file, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var existing = 0;
        foreach (var chunk in file.Rows.Chunk(ChunkSize))
            existing += (await ExistingAsync(db.Contacts.AsNoTracking(), chunk, cancellationToken)).Count;
        return new ImportPreview(file.Rows.Count - existing, existing, file.Rejected, file.Rows.Take(SampleSize).ToList());
    }

    /// <summary>Writes the valid rows in one transaction: all of them, or (on failure) none.</summary>
    public async Task<ImportResult> ImportAsync(ParsedImport file, Actor actor, string fileName, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        int added = 0, updated = 0, processed = 0;
        progress?.Report(new ImportProgress(0, file.Rows.Count));

        foreach (var chunk in file.Rows.Chunk(ChunkSize))
        {
            var (chunkAdded, chunkUpdated) = await WriteChunkAsync(db, chunk, file.HasTagsColumn, now, cancellationToken);
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
        return new ImportResult(added, updated, file.Rejected);
    }

    /// <summary>
    /// One chunk, in the import's transaction. An update carries the contact's version (its concurrency token): when a
    /// contact changed between the read and the write (a webhook, an opt-out), the chunk is read and applied again.
    /// </summary>
    private static async Task<(int Added, int Updated)> WriteChunkAsync(AppDbContext db, ImportRow[] chunk, bool hasTags, DateTime now, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            int added = 0, updated = 0;
            var known = await ExistingAsync(db.Contacts.Include(c => c.Tags), chunk, cancellationToken);
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
                    contact.UpdatedAt = now;
                    contact.Version++;
                    updated++;
                }
                else
                {
                    db.Contacts.Add(new Contact
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
                    });
                    added++;
                }
            }
            try
            {
                // Inside a transaction EF Core saves to a savepoint: a refused chunk leaves the earlier chunks as they were.
                await db.SaveChangesAsync(cancellationToken);
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

    private static async Task<Dictionary<(ChannelKind, string), Contact>> ExistingAsync(IQueryable<Contact> contacts, ImportRow[] chunk, CancellationToken cancellationToken)
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

    private static string Canonical(string header) => header.Trim().ToLowerInvariant().Replace(' ', '_').Replace("-", "_") switch
    {
        "optedout" or "opt_out" or "optout" or "unsubscribed" => "opted_out",
        "tag" => "tags",
        "lastinboundat" or "last_inbound" or "last_message_at" => "last_inbound_at",
        "e_mail" or "email" or "phone" or "psid" => "address",
        var other => other,
    };

    private static string FormatSize(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024 * 1024)} MB" : $"{bytes / 1024} KB";
}
