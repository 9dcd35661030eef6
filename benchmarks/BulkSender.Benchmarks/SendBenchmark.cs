using System.Diagnostics;
using System.Globalization;
using BulkSender.Core;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BulkSender.Benchmarks;

/// <summary>
/// The send pipeline end to end on the real Core host (SQLite file, in-memory Hangfire with its default workers, the
/// simulated channel): from the send call to every delivery final.
/// (a) zero-latency channel, no rate limit: 2,000 and 100,000 recipients, with the process's peak memory, and the
/// cost of personalization: the 100,000 send again with a Liquid content reading a standard and a custom field
/// (rendered per recipient, the custom values loaded per batch), plain and personalized runs alternated;
/// (b) 200 ms channel latency at limits of 20, 80, 300 and 1,000 messages/s: one table, the limits as rows, with the
/// achieved rate ÷ limit (end to end, and first to last send), the most calls in any one second at the provider, the
/// longest time without a send, the rate limiter's slots dropped between the first and the last send (a warm-up's
/// leftover slots are dropped when the next send starts: not this send's), and the peak working set during each run.
/// </summary>
public sealed class SendBenchmark : IBenchmark
{
    /// <summary>The limits of (b), with their recipients: 10,000 each, except 20/s (1,000, so it takes 50 s, not 500 s).</summary>
    private static readonly (double Limit, int Recipients)[] Limits = [(20, 1_000), (80, 10_000), (300, 10_000), (1_000, 10_000)];

    /// <summary>The channel's in-flight maximum in (b): 1,000/s × 200 ms needs 241, and a loaded machine answers later.</summary>
    private const int MaxInFlight = 400;

    public string Name => "send";

    public string Description =>
        "send pipeline: 2,000 and 100,000 recipients end to end; rate-limit efficiency at 20, 80, 300 and 1,000/s with 200 ms latency";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {LoadAverage()}");

        if (Environment.GetEnvironmentVariable("BENCH_SEND_PART") != "b") // BENCH_SEND_PART=b: the limits table only
        {
            await using (var fast = await BenchHost.StartAsync(contacts: 100_000, new Dictionary<string, string?>
            {
                ["Channels:Simulated:LatencyMs"] = "0",
                ["Channels:RatePerSecond:Email"] = "0",
                ["Channels:MaxInFlight:Email"] = MaxInFlight.ToString(CultureInfo.InvariantCulture),
            }, cancellationToken))
            {
                var ids = await fast.ContactIdsAsync(2_000, cancellationToken);
                // A running app is warm: one small send first so the figures are not about JIT and first connections.
                await fast.SendAsync(Selection(ids.Take(10)), cancellationToken);
                var small = await fast.SendAsync(Selection(ids), cancellationToken);
                Report("(a) 2,000 recipients (selection)", small, target: TimeSpan.FromSeconds(2));
                var large = await fast.SendAsync(Everyone, cancellationToken);
                Report("(a) 100,000 recipients (audience)", large, target: TimeSpan.FromSeconds(60));
                var personal = await fast.SendAsync(Personalized, cancellationToken);
                Report("(a) 100,000 recipients, personalized", personal, target: TimeSpan.FromSeconds(60));
                var plainAgain = await fast.SendAsync(Everyone, cancellationToken);
                var personalAgain = await fast.SendAsync(Personalized, cancellationToken);
                var plainSeconds = (large.Elapsed + plainAgain.Elapsed).TotalSeconds / 2;
                var personalSeconds = (personal.Elapsed + personalAgain.Elapsed).TotalSeconds / 2;
                var cost = personalSeconds / plainSeconds - 1;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"(a) personalization cost on 100,000: plain {plainSeconds:N2} s, personalized {personalSeconds:N2} s (mean of 2 each, " +
                    $"alternated) = {cost:+0.0%;-0.0%} — target < 5%: {(cost < 0.05 ? "met" : "MISSED")}"));
                var peak = Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"(a) peak memory (process working set): {peak:N0} MB — target ≤ 500 MB: {(peak <= 500 ? "met" : "MISSED")}"));
            }

        }

        if (Environment.GetEnvironmentVariable("BENCH_SEND_PART") == "a")
            return;
        Console.WriteLine();
        Console.WriteLine($"(b) 200 ms latency, Channels:MaxInFlight:Email = {MaxInFlight}, audience sends, each on a fresh " +
            "host after a 10-recipient warm-up send (targets: achieved ÷ limit ≥ 0.95, peak ≤ 500 MB)");
        Console.WriteLine();
        Console.WriteLine("| limit | recipients | seconds | achieved/s | achieved ÷ limit | first to last send ÷ limit | " +
            "worst second at the provider | longest pause between sends | first send after | slots dropped while sending: unused / late | " +
            "in-flight target at the end | peak memory |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        // BENCH_SEND_LIMITS=300,1000: only those rows.
        var only = Environment.GetEnvironmentVariable("BENCH_SEND_LIMITS") is { Length: > 0 } list
            ? list.Split(',').Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToHashSet()
            : null;
        foreach (var (limit, recipients) in Limits.Where(l => only?.Contains(l.Limit) ?? true))
            Console.WriteLine(await LimitedRowAsync(limit, recipients, cancellationToken));
        Console.WriteLine($"load average after: {LoadAverage()}");
    }

    /// <summary>
    /// One row of (b): a fresh host with exactly <paramref name="recipients"/> contacts, warmed up by a send to ten of
    /// them, then all sent to at once.
    /// </summary>
    private static async Task<string> LimitedRowAsync(double limit, int recipients, CancellationToken cancellationToken)
    {
        await using var host = await BenchHost.StartAsync(contacts: recipients, new Dictionary<string, string?>
        {
            ["Channels:Simulated:LatencyMs"] = "200",
            ["Channels:Simulated:LatencyJitterMs"] = "0",
            ["Channels:RatePerSecond:Email"] = limit.ToString(CultureInfo.InvariantCulture),
            ["Channels:MaxInFlight:Email"] = MaxInFlight.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken);
        // A running app is warm (as in (a)): JIT, the database's first connections, and the channel's first call, which
        // goes alone until answered (InFlightLimiter) — once per process, not per send.
        await host.SendAsync(Selection(await host.ContactIdsAsync(10, cancellationToken)), cancellationToken);
        using var memory = new PeakMemory();
        using var dropped = new DroppedSlotsListener();
        var run = await host.SendAsync(Everyone, cancellationToken);
        var endToEnd = run.Recipients / run.Elapsed.TotalSeconds;
        var sends = host.Provider.ForMessage(run.MessageId).OrderBy(s => s.Timestamp).ToList();
        var (first, last) = (sends[0].Timestamp, sends[^1].Timestamp);
        var steady = (sends.Count - 1) / Stopwatch.GetElapsedTime(first, last).TotalSeconds;
        var met = endToEnd / limit >= 0.95 ? "" : " (MISSED)";
        // The simulated provider is called in this process: its worst second is the calls as they left the adapter.
        var worst = ClusterFigures.PeakIn(sends.Select(s => s.Timestamp), TimeSpan.FromSeconds(1));
        var over = worst <= limit ? "" : " (OVER)";
        var pause = sends.Zip(sends.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a.Timestamp, b.Timestamp)).Max();
        var fewer = recipients < 10_000 ? " (fewer: the run stays short)" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {limit:N0}/s | {run.Recipients:N0}{fewer} | {run.Elapsed.TotalSeconds:N1} | {endToEnd:N1} | {endToEnd / limit:N3}{met} | " +
            $"{steady / limit:N3} | {worst:N0}{over} | {pause.TotalMilliseconds:N0} ms | " +
            $"{Stopwatch.GetElapsedTime(run.Started, first).TotalSeconds:N2} s | " +
            $"{dropped.Between(first, last, "unused"):N0} / {dropped.Between(first, last, "late"):N0} | " +
            $"{host.InFlightTarget} | {memory.PeakMegabytes:N0} MB |");
    }

    /// <summary>The process's largest working set while it lives, sampled every 50 ms.</summary>
    private sealed class PeakMemory : IDisposable
    {
        private readonly Timer timer;
        private long peak;

        public PeakMemory() => timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(50));

        public double PeakMegabytes
        {
            get
            {
                Sample();
                return Interlocked.Read(ref peak) / 1024.0 / 1024.0;
            }
        }

        private void Sample()
        {
            using var process = Process.GetCurrentProcess();
            var now = process.WorkingSet64;
            for (var seen = Interlocked.Read(ref peak);
                now > seen && Interlocked.CompareExchange(ref peak, now, seen) != seen;
                seen = Interlocked.Read(ref peak))
            {
            }
        }

        public void Dispose() => timer.Dispose();
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>Everyone, each with their own text: a standard field with a default filter and a custom field.</summary>
    private static ComposeModel Personalized =>
        new()
        {
            Title = "Bench for {{ first_name }}", Content = "Hi {{ first_name | default: \"there\" }}, news for {{ city }}",
            Channel = ChannelKind.Email, Audience = AudienceKind.Channel,
        };

    private static ComposeModel Everyone =>
        new() { Title = "Bench", Content = "Hello", Channel = ChannelKind.Email, Audience = AudienceKind.Channel };

    private static ComposeModel Selection(IEnumerable<int> ids) =>
        new() { Title = "Bench", Content = "Hello", Channel = ChannelKind.Email, Audience = AudienceKind.Selection, ContactIds = ids.ToList() };

    private static void Report(string what, Run run, TimeSpan target) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {run.Elapsed.TotalSeconds:N2} s (created in {run.Created.TotalSeconds:N2} s, {run.Batches:N0} batches, " +
            $"{run.Recipients / run.Elapsed.TotalSeconds:N0} recipients/s) — target ≤ {target.TotalSeconds:N0} s: " +
            $"{(run.Elapsed <= target ? "met" : "MISSED")}"));

    private sealed record Run(int MessageId, int Recipients, int Batches, TimeSpan Created, TimeSpan Elapsed, long Started);

    /// <summary>The real Core host (Hangfire server included) on a fresh SQLite file, with an observer that notices completion.</summary>
    private sealed class BenchHost : IAsyncDisposable
    {
        private readonly IHost host;
        private readonly string directory;
        private readonly CompletionWatch completions;

        private BenchHost(IHost host, string directory)
        {
            this.host = host;
            this.directory = directory;
            completions = (CompletionWatch)host.Services.GetRequiredService<IDispatchProgress>();
        }

        public SimulatedChannelLog Provider => host.Services.GetRequiredService<SimulatedChannelLog>();

        /// <summary>The e-mail channel's in-flight target now, from its observed latency.</summary>
        public int InFlightTarget => host.Services.GetRequiredService<InFlightLimiter>().TargetOf(ChannelKind.Email);

        public static async Task<BenchHost> StartAsync(int contacts, Dictionary<string, string?> settings, CancellationToken cancellationToken)
        {
            var directory = Path.Combine(Path.GetTempPath(), $"bulksender-bench-{Guid.NewGuid():N}");
            Directory.CreateDirectory(directory);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = directory });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Sqlite"] = $"Data Source={Path.Combine(directory, "bench.db")}",
                ["Channels:Simulated:LogCapacity"] = "200000",
                // The figures are the send pipeline's own: no simulated delivered/read events competing for the database.
                ["Channels:Simulated:DeliveredRate"] = "0",
            });
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton<IDispatchProgress, CompletionWatch>();
            builder.AddBulkSenderCore();
            var host = builder.Build();

            var dbs = host.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
            await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
                await db.Database.MigrateAsync(cancellationToken);
                // Contacts written in one statement: the benchmark measures sending, not seeding.
                await db.Database.ExecuteSqlAsync($"""
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {contacts})
                    INSERT INTO "Contacts" ("Channel", "Address", "Name", "OptedOut", "CreatedAt", "UpdatedAt")
                    SELECT 'Email', 'bench' || i || '@example.com', 'Bench ' || i, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM n
                    """, cancellationToken);
                // A custom field every contact has a value of, for the personalized send.
                await db.Database.ExecuteSqlRawAsync("""
                    INSERT INTO "ContactFieldDefinitions" ("Key", "Label", "CreatedAt") VALUES ('city', 'City', '2026-01-01 00:00:00');
                    INSERT INTO "ContactFieldValues" ("ContactId", "FieldKey", "Value") SELECT "Id", 'city', 'Town ' || ("Id" % 50) FROM "Contacts";
                    """, cancellationToken);
            }
            await host.StartAsync(cancellationToken);
            return new BenchHost(host, directory);
        }

        public async Task<List<int>> ContactIdsAsync(int count, CancellationToken cancellationToken)
        {
            await using var db = await host.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(cancellationToken);
            return await db.Contacts.OrderBy(c => c.Id).Select(c => c.Id).Take(count).ToListAsync(cancellationToken);
        }

        public async Task<Run> SendAsync(ComposeModel model, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            var clock = Stopwatch.StartNew();
            var outcome = await host.Services.GetRequiredService<SendService>().SaveAsync(model, null, new Actor(null, "benchmark"),
                cancellationToken);
            var created = clock.Elapsed;
            if (!outcome.Succeeded)
                throw new InvalidOperationException(string.Join("; ", outcome.Errors.SelectMany(e => e.Value)));
            await completions.WaitAsync(outcome.MessageId, TimeSpan.FromMinutes(10));
            var elapsed = clock.Elapsed;

            await using var db = await host.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(cancellationToken);
            var unfinished = await db.Deliveries.CountAsync(d => d.MessageId == outcome.MessageId
                && (d.Status == DeliveryStatus.Pending || d.Status == DeliveryStatus.Sending), cancellationToken);
            if (unfinished > 0)
                throw new InvalidOperationException($"{unfinished} deliveries are not final.");
            return new Run(outcome.MessageId, outcome.Recipients, outcome.Batches, created, elapsed, started);
        }

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Lets the benchmark wait for a send's completion without polling.</summary>
    private sealed class CompletionWatch : IDispatchProgress
    {
        private readonly Dictionary<int, TaskCompletionSource> waiting = [];

        public Task WaitAsync(int messageId, TimeSpan timeout) => Source(messageId).Task.WaitAsync(timeout);

        public void MessageCompleted(int messageId) => Source(messageId).TrySetResult();

        public void FunnelChanged(int messageId)
        {
        }

        public void Progressed(BatchSnapshot batch)
        {
        }

        public void BatchChanged(BatchSnapshot batch)
        {
        }

        public void MessageChanged(int messageId)
        {
        }

        private TaskCompletionSource Source(int messageId)
        {
            lock (waiting)
                return waiting.TryGetValue(messageId, out var source)
                    ? source
                    : waiting[messageId] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
