using System.Collections.Concurrent;
using BulkSender.Core;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Contacts;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Jobs;
using BulkSender.Core.Messages;
using BulkSender.Core.Templates;
using Hangfire;
using Hangfire.Common;
using Hangfire.InMemory;
using Hangfire.States;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BulkSender.Tests.TestSupport;

/// <summary>
/// Core's real services on their own SQLite file (or their own PostgreSQL database when <see cref="TestPostgres.Enabled"/>),
/// with no web host and no Hangfire server: enqueued batch jobs are
/// recorded, and the test runs them (one by one, or several at once as workers would). Hangfire's job storage and
/// client are registered before Core, so Hangfire's process-wide configuration is never touched and this host can
/// run beside the app fixture.
/// </summary>
public sealed class CoreHost : IAsyncDisposable
{
    private readonly IHost host;
    private readonly string directory;
    private readonly string? postgreSql;
    private bool restarted;
    private bool sharesDatabase;

    private CoreHost(IHost host, string directory, string? postgreSql)
    {
        this.host = host;
        this.directory = directory;
        this.postgreSql = postgreSql;
    }

    public IServiceProvider Services => host.Services;

    public RecordingJobClient Jobs => Services.GetRequiredService<RecordingJobClient>();

    public SimulatedChannelLog Provider => Services.GetRequiredService<SimulatedChannelLog>();

    public SendService Sends => Services.GetRequiredService<SendService>();

    public string DatabasePath => Path.Combine(directory, "core.db");

    /// <summary>A host with <paramref name="contacts"/> demo contacts; by default a zero-latency, failure-free, unlimited channel.</summary>
    public static async Task<CoreHost> StartAsync(int contacts = 900, IDictionary<string, string?>? settings = null, TimeProvider? clock = null,
        Action<IServiceCollection>? services = null)
    {
        var postgreSql = TestPostgres.Enabled ? await TestPostgres.CreateDatabaseAsync() : null;
        return await StartAsync(RepoPaths.NewTempDirectory("core"), postgreSql, contacts, settings, clock, services);
    }

    /// <summary>
    /// A process restart: this host stops (its in-memory job storage, and every job in it, is gone) and a new host
    /// starts on the same database (file). Dispose the returned host; this one is done.
    /// </summary>
    public async Task<CoreHost> RestartAsync(TimeProvider? clock = null, IDictionary<string, string?>? settings = null)
    {
        restarted = true;
        host.Dispose();
        SqliteConnection.ClearAllPools();
        return await StartAsync(directory, postgreSql, contacts: 0, settings, clock, null);
    }

    /// <summary>
    /// A second app instance on the same database (file), beside this one: its own services, limiters, job storage and
    /// provider log, as another process would have. Dispose it before this host; this host keeps the database.
    /// </summary>
    public async Task<CoreHost> AnotherInstanceAsync(IDictionary<string, string?>? settings = null, TimeProvider? clock = null)
    {
        var another = await StartAsync(directory, postgreSql, contacts: 0, settings, clock, null);
        another.sharesDatabase = true;
        return another;
    }

    private static async Task<CoreHost> StartAsync(string directory, string? postgreSql, int contacts, IDictionary<string, string?>? settings,
        TimeProvider? clock, Action<IServiceCollection>? services)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = "Testing",
            ContentRootPath = directory,
        });
        var config = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Sqlite"] = $"Data Source={Path.Combine(directory, "core.db")}",
            ["Channels:Simulated:LatencyMs"] = "0",
            ["Channels:Simulated:RateLimitRetryAfterMs"] = "0",
            ["Channels:RatePerSecond:Messenger"] = "0",
            ["Channels:RatePerSecond:Email"] = "0",
            ["Channels:RatePerSecond:WhatsApp"] = "0",
        };
        if (postgreSql is not null)
            (config["Database:Provider"], config["ConnectionStrings:PostgreSql"]) = (nameof(DatabaseProvider.PostgreSql), postgreSql);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            config[key] = value;
        builder.Configuration.AddInMemoryCollection(config);

        // Hangfire's log provider is process-wide: a disposed app host leaves one behind that throws on use.
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(SilentHangfireLog.Instance);
        builder.Services.AddSingleton<JobStorage>(new InMemoryStorage());
        builder.Services.AddSingleton<RecordingJobClient>();
        builder.Services.AddSingleton<IBackgroundJobClient>(sp => sp.GetRequiredService<RecordingJobClient>());
        if (clock is not null)
            builder.Services.AddSingleton(clock);
        builder.AddBulkSenderCore();
        services?.Invoke(builder.Services);

        var coreHost = new CoreHost(builder.Build(), directory, postgreSql);
        await using var db = coreHost.NewDbContext();
        await db.Database.MigrateAsync();
        if (db.Database.IsSqlite())
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        // No WhatsApp contact has written: a test that needs the service window opens it (ContactsWhoWroteAsync).
        db.Contacts.AddRange(DemoData.Contacts(contacts, new DateTime(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc))
            .Select(c => c.Channel == ChannelKind.WhatsApp ? Silent(c) : c));
        await db.SaveChangesAsync();
        return coreHost;
    }

    private static Contact Silent(Contact contact)
    {
        contact.LastInboundAt = null;
        return contact;
    }

    public AppDbContext NewDbContext() => Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();

    /// <summary>Ids of active contacts of a channel, in id order.</summary>
    public async Task<List<int>> ActiveContactIdsAsync(ChannelKind channel, int count)
    {
        await using var db = NewDbContext();
        return await db.Contacts.Where(c => c.Channel == channel && !c.OptedOut).OrderBy(c => c.Id).Select(c => c.Id).Take(count).ToListAsync();
    }

    /// <summary>
    /// Active contacts of a channel who wrote to us a minute ago, so free text reaches them: inside Messenger's and
    /// WhatsApp's 24-hour windows.
    /// </summary>
    public async Task<List<int>> ContactsWhoWroteAsync(ChannelKind channel, int count)
    {
        var ids = await ActiveContactIdsAsync(channel, count);
        var wrote = Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime.AddMinutes(-1);
        await using var db = NewDbContext();
        await db.Contacts.Where(c => ids.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastInboundAt, wrote));
        return ids;
    }

    /// <summary>Creates a send now and returns its id; fails the test with the errors if it is refused.</summary>
    public async Task<int> SendAsync(ComposeModel model)
    {
        var outcome = await Sends.SaveAsync(model, null, new Actor("test-user", "tester@test.local"), CancellationToken.None);
        outcome.Errors.ShouldBeEmpty();
        return outcome.MessageId;
    }

    public static ComposeModel Compose(ChannelKind channel, IEnumerable<int> contactIds, string title = "Hello") => new()
    {
        Title = title,
        Content = "Hello from the tests",
        Channel = channel,
        Audience = AudienceKind.Selection,
        ContactIds = contactIds.ToList(),
    };

    /// <summary>An approved WhatsApp template "greeting" (en_US, "Hi {{1}}"), synced now, for <see cref="Greeting"/>.</summary>
    public async Task AddGreetingTemplateAsync()
    {
        var now = Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        await using var db = NewDbContext();
        db.WhatsAppTemplates.Add(new WhatsAppTemplate
        {
            Name = "greeting", Language = "en_US", Category = "MARKETING", Status = TemplateStatuses.Approved,
            Components = """[{"type":"BODY","text":"Hi {{1}}"}]""", SyncedAt = now, UpdatedAt = now,
        });
        await db.SaveChangesAsync();
    }

    /// <summary>The "greeting" template (<see cref="AddGreetingTemplateAsync"/>) to the contacts, {{1}} their first name.</summary>
    public static ComposeModel Greeting(IEnumerable<int> contactIds)
    {
        var model = Compose(ChannelKind.WhatsApp, contactIds);
        model.Content = "";
        model.WhatsAppTemplate = new WhatsAppTemplateInput { Name = "greeting", Language = "en_US", Parameters = [new() { Field = "first_name" }] };
        return model;
    }

    /// <summary>What the every-minute recurring job does, then the batch jobs it enqueued.</summary>
    public async Task ReconcileAsync()
    {
        await using (var scope = Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<ReconcileJob>().RunAsync(CancellationToken.None);
        await RunEnqueuedAsync();
    }

    /// <summary>Runs one batch job as a Hangfire worker would.</summary>
    public async Task RunBatchAsync(int batchId, CancellationToken cancellationToken = default)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SendBatchJob>().RunAsync(batchId, cancellationToken);
    }

    /// <summary>Runs every batch job enqueued so far (and any they lead to), <paramref name="workers"/> at a time.</summary>
    public async Task RunEnqueuedAsync(int workers = 1)
    {
        while (Jobs.Take() is { Count: > 0 } batchIds)
            await Parallel.ForEachAsync(batchIds, new ParallelOptions { MaxDegreeOfParallelism = workers },
                async (id, ct) => await RunBatchAsync(id, ct));
    }

    /// <summary>
    /// Runs the send's batch while its channel (which needs a rate limit) waits out a 3 s back-off, and withholds its
    /// recipient's call on its way once that recipient is Sending and <paramref name="limitsTaken"/> holds: cancels the
    /// send, or pauses the channel with <paramref name="pause"/>'s code and reason. Returns when the run has ended. Real time.
    /// </summary>
    public async Task WithholdOnItsWayAsync(int messageId, ChannelKind channel, bool cancel, (string Code, string Reason) pause,
        Func<bool> limitsTaken)
    {
        await Services.GetRequiredService<ChannelRateLimiter>()
            .BackOffAsync(channel, TimeSpan.FromSeconds(3), DateTimeOffset.UtcNow, CancellationToken.None);
        var running = RunEnqueuedAsync();
        await Waiting.UntilAsync(() =>
        {
            using var db = NewDbContext();
            return db.Deliveries.Any(d => d.MessageId == messageId && d.Status == DeliveryStatus.Sending) && limitsTaken();
        }, "the recipient to be on its way, its limits taken", TimeSpan.FromSeconds(10));
        if (cancel)
            (await Sends.CancelAsync(messageId, Accounts.Operator, CancellationToken.None)).ShouldBe(CancelOutcome.Cancelled);
        else
            await Services.GetRequiredService<ChannelPauses>().PauseAsync(channel, pause.Code, pause.Reason, CancellationToken.None);
        await running.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task<List<MessageBatch>> BatchesAsync(int messageId)
    {
        await using var db = NewDbContext();
        return await db.Batches.AsNoTracking().Where(b => b.MessageId == messageId).OrderBy(b => b.Number).ToListAsync();
    }

    public async Task<List<Delivery>> DeliveriesAsync(int messageId)
    {
        await using var db = NewDbContext();
        return await db.Deliveries.AsNoTracking().Where(d => d.MessageId == messageId).OrderBy(d => d.Id).ToListAsync();
    }

    public async Task<Message> MessageAsync(int messageId)
    {
        await using var db = NewDbContext();
        return await db.Messages.AsNoTracking().SingleAsync(m => m.Id == messageId);
    }

    public async ValueTask DisposeAsync()
    {
        if (restarted)
            return;
        host.Dispose();
        if (sharesDatabase)
            return;
        SqliteConnection.ClearAllPools();
        if (postgreSql is not null)
            await TestPostgres.DropDatabaseAsync(postgreSql);
        await Task.Yield();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Hangfire logging that goes nowhere, for hosts that only need Hangfire's storage and client.</summary>
public sealed class SilentHangfireLog : Hangfire.Logging.ILogProvider, Hangfire.Logging.ILog
{
    public static readonly SilentHangfireLog Instance = new();

    public Hangfire.Logging.ILog GetLogger(string name) => this;

    public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
}

/// <summary>
/// Hangfire's client on the host's own in-memory job storage (so the jobs exist there, as reconciliation expects),
/// with no server to run them: it records the batch jobs, and the test runs them.
/// </summary>
public sealed class RecordingJobClient(JobStorage storage) : IBackgroundJobClient
{
    private readonly BackgroundJobClient inner = new(storage);
    private readonly ConcurrentQueue<(int BatchId, string Queue)> enqueued = new();
    private readonly ConcurrentQueue<int> untaken = new();

    public IReadOnlyList<(int BatchId, string Queue)> Enqueued => enqueued.ToArray();

    public string Create(Job job, IState state)
    {
        var id = inner.Create(job, state);
        if (job.Type == typeof(SendBatchJob))
        {
            var batchId = (int)job.Args[0];
            enqueued.Enqueue((batchId, job.Queue ?? (state as EnqueuedState)?.Queue ?? ""));
            untaken.Enqueue(batchId);
        }
        return id;
    }

    public bool ChangeState(string jobId, IState state, string expectedState) => inner.ChangeState(jobId, state, expectedState);

    /// <summary>The batch ids enqueued since the last call.</summary>
    public List<int> Take()
    {
        var taken = new List<int>();
        while (untaken.TryDequeue(out var id))
            taken.Add(id);
        return taken;
    }
}
