using System.Diagnostics;
using System.Globalization;
using BulkSender.Core;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BulkSender.Benchmarks;

/// <summary>
/// The send pipeline end to end on the real host (SQLite file, in-memory Hangfire with its default workers, the
/// simulated channel): from the send call to every delivery final.
/// (a) zero-latency channel, no rate limit: 2,000 and 100,000 recipients, with the process's peak memory;
/// (b) 200 ms channel latency, limit 20 messages/s, 1,000 recipients: achieved rate ÷ limit.
/// </summary>
public sealed class SendBenchmark : IBenchmark
{
    private const double Limit = 20;

    public string Name => "send";

    public string Description => "send pipeline: 2,000 and 100,000 recipients end to end; rate-limit efficiency at 20/s with 200 ms latency";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}");

        await using (var fast = await BenchHost.StartAsync(contacts: 100_000, new Dictionary<string, string?>
        {
            ["Channels:Simulated:LatencyMs"] = "0",
            ["Channels:RatePerSecond:Email"] = "0",
        }, cancellationToken))
        {
            var ids = await fast.ContactIdsAsync(2_000, cancellationToken);
            // A running app is warm: one small send first so the figures are not about JIT and first connections.
            await fast.SendAsync(Selection(ids.Take(10)), cancellationToken);
            var small = await fast.SendAsync(Selection(ids), cancellationToken);
            Report("(a) 2,000 recipients (selection)", small, target: TimeSpan.FromSeconds(2));
            var large = await fast.SendAsync(new ComposeModel { Title = "Bench", Content = "Hello", Channel = ChannelKind.Email, Audience = AudienceKind.Channel },
                cancellationToken);
            Report("(a) 100,000 recipients (audience)", large, target: TimeSpan.FromSeconds(60));
            var peak = Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"(a) peak memory (process working set): {peak:N0} MB — target ≤ 500 MB: {(peak <= 500 ? "met" : "MISSED")}"));
        }

        await using var limited = await BenchHost.StartAsync(contacts: 1_000, new Dictionary<string, string?>
        {
            ["Channels:Simulated:LatencyMs"] = "200",
            ["Channels:RatePerSecond:Email"] = Limit.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken);
        var run = await limited.SendAsync(Selection(await limited.ContactIdsAsync(1_000, cancellationToken)), cancellationToken);
        var endToEnd = run.Recipients / run.Elapsed.TotalSeconds;
        var sends = limited.Provider.ForMessage(run.MessageId).OrderBy(s => s.Timestamp).ToList();
        var steady = (sends.Count - 1) / Stopwatch.GetElapsedTime(sends[0].Timestamp, sends[^1].Timestamp).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(b) 1,000 recipients at {Limit}/s, 200 ms latency: {run.Elapsed.TotalSeconds:N1} s end to end = {endToEnd:N2}/s, " +
            $"efficiency {endToEnd / Limit:N3} (first to last send {steady:N2}/s = {steady / Limit:N3}) — target ≥ 0.95: {(endToEnd / Limit >= 0.95 ? "met" : "MISSED")}"));
    }

    private static ComposeModel Selection(IEnumerable<int> ids) =>
        new() { Title = "Bench", Content = "Hello", Channel = ChannelKind.Email, Audience = AudienceKind.Selection, ContactIds = ids.ToList() };

    private static void Report(string what, Run run, TimeSpan target) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {run.Elapsed.TotalSeconds:N2} s (created in {run.Created.TotalSeconds:N2} s, {run.Batches:N0} batches, " +
            $"{run.Recipients / run.Elapsed.TotalSeconds:N0} recipients/s) — target ≤ {target.TotalSeconds:N0} s: {(run.Elapsed <= target ? "met" : "MISSED")}"));

    private sealed record Run(int MessageId, int Recipients, int Batches, TimeSpan Created, TimeSpan Elapsed);

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
            var clock = Stopwatch.StartNew();
            var outcome = await host.Services.GetRequiredService<SendService>().SaveAsync(model, null, new Actor(null, "benchmark"), cancellationToken);
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
            return new Run(outcome.MessageId, outcome.Recipients, outcome.Batches, created, elapsed);
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
