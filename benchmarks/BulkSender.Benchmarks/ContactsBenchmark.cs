using System.Diagnostics;
using System.Text;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Contacts;
using BulkSender.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BulkSender.Benchmarks;

/// <summary>
/// Issues 3 and 14's figures on a real SQLite file: importing 100,000 CSV rows with 5 custom field columns, the
/// fields created by the import (target under 30 s), and the contact grid's page queries over those 100,000 contacts
/// (target under 200 ms each), a filter by a field's value included.
/// </summary>
public sealed class ContactsBenchmark : IBenchmark
{
    private const int Rows = 100_000;
    private const int Runs = 15;

    public string Name => "contacts";

    public string Description => $"import {Rows:N0} CSV rows with {FieldNames.Length} custom fields, then page queries over them";

    private static readonly string[] FieldNames = ["city", "plan", "company", "language", "segment"];
    private static readonly string[] Cities = ["Lisbon", "Porto", "Braga", "Madrid", "Paris", "Berlin", "Rome", "Vienna", "Prague", "Oslo"];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"bulksender-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var options = new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite($"Data Source={Path.Combine(dir, "bench.db")}").Options;
            var factory = new Factory(options);
            await using (var db = factory.CreateDbContext())
            {
                await db.Database.MigrateAsync(cancellationToken);
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }

            var csv = Csv(Rows);
            Console.WriteLine($"CSV: {Rows:N0} rows with {FieldNames.Length} custom field columns ({string.Join(", ", FieldNames)}), " +
                $"{csv.Length / 1024.0 / 1024.0:F1} MB");
            var importer = new ContactImporter(factory, Options.Create(new ContactsOptions()), new OptOutSignal(), TimeProvider.System);
            var clock = Stopwatch.StartNew();
            var parsed = await importer.ParseAsync(new MemoryStream(csv), cancellationToken);
            var parseTime = clock.Elapsed;
            var result = await importer.ImportAsync(parsed with { CreateNewFields = true }, Actor.System, "bench.csv", null, cancellationToken);
            Console.WriteLine($"import: parse+validate {parseTime.TotalSeconds:F1} s, total {clock.Elapsed.TotalSeconds:F1} s " +
                              $"({result.Added:N0} added, {result.Rejected.Count} rejected, fields created: " +
                              $"{string.Join(", ", result.CreatedFields ?? [])}) — target < 30 s");

            clock.Restart();
            var again = await importer.ImportAsync(await importer.ParseAsync(new MemoryStream(csv), cancellationToken), Actor.System, "bench.csv",
                null, cancellationToken);
            Console.WriteLine($"re-import (all updates): {clock.Elapsed.TotalSeconds:F1} s ({again.Updated:N0} updated)");

            var queries = new ContactQueries(factory);
            var cases = new (string Name, ContactFilter Filter, ContactSort Sort, bool Desc, int Page)[]
            {
                ("first page, by name", new ContactFilter(), ContactSort.Name, false, 0),
                ("page 2,000 of 4,000, by name", new ContactFilter(), ContactSort.Name, false, 1999),
                ("last page, newest first", new ContactFilter(), ContactSort.CreatedAt, true, 3999),
                ("search 'garcia'", new ContactFilter(Search: "garcia"), ContactSort.Name, false, 0),
                ("tag 'vip'", new ContactFilter(Tag: "vip"), ContactSort.Name, false, 0),
                ("WhatsApp, active, by address", new ContactFilter(Channel: ChannelKind.WhatsApp, OptedOut: false), ContactSort.Address, false, 10),
                ("search + tag + channel", new ContactFilter(Search: "ana", Channel: ChannelKind.Email, Tag: "newsletter"), ContactSort.Name,
                    true, 0),
                ("field: city contains 'port'", new ContactFilter(Field: "city", FieldValue: "port"), ContactSort.Name, false, 0),
            };
            Console.WriteLine($"page queries (25 rows, count included), {Runs} runs each after a warm-up — target < 200 ms:");
            foreach (var c in cases)
            {
                await queries.PageAsync(c.Filter, c.Sort, c.Desc, c.Page, 25, cancellationToken);
                var times = new List<double>();
                var total = 0;
                for (var i = 0; i < Runs; i++)
                {
                    clock.Restart();
                    total = (await queries.PageAsync(c.Filter, c.Sort, c.Desc, c.Page, 25, cancellationToken)).Total;
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }
                times.Sort();
                Console.WriteLine($"  {c.Name,-32} median {times[Runs / 2],6:F1} ms   max {times[^1],6:F1} ms   ({total:N0} matches)");
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static byte[] Csv(int rows)
    {
        var text = new StringBuilder($"name,address,channel,tags,opted_out,{string.Join(',', FieldNames)}\n");
        var i = 0;
        foreach (var c in DemoData.Contacts(rows, DateTime.UtcNow, seed: 7))
        {
            text.Append(c.Name).Append(',').Append(c.Address).Append(',').Append(c.Channel.ToString().ToLowerInvariant()).Append(',')
                .Append(string.Join(';', c.Tags.Select(t => t.Tag))).Append(',').Append(c.OptedOut ? "true" : "false")
                .Append(',').Append(Cities[i % Cities.Length])
                .Append(',').Append((i % 3) switch { 0 => "free", 1 => "pro", _ => "team" })
                .Append(",Company ").Append(i % 997)
                .Append(',').Append(i % 4 == 0 ? "" : (i % 2 == 0 ? "pt" : "en"))
                .Append(",segment-").Append(i % 12).Append('\n');
            i++;
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private sealed class Factory(DbContextOptions<SqliteDbContext> options) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => new SqliteDbContext(options);
    }
}
