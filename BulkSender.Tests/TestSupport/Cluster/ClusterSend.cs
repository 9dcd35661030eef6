using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.RateLimits;
using BulkSender.Core.Contacts;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.TestSupport;

/// <param name="Instances">App processes on the one database.</param>
/// <param name="Recipients">Messenger contacts, all inside the 24-hour window, all sent to by one audience send.</param>
/// <param name="RatePerSecond">The Messenger page's limit: <c>Channels:RatePerSecond:Messenger</c> of every instance.</param>
public sealed record ClusterPlan(int Instances, int Recipients, double RatePerSecond)
{
    /// <summary>The share of the recipients reached at which the second instance is killed (SIGKILL); null: none is.</summary>
    public double? KillAt { get; init; }

    public TimeSpan MinLatency { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxLatency { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long the send may take once created.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(90);
}

/// <summary>The kill: which instance, what it had in flight then (two measures), and how long the others took to finish.</summary>
/// <param name="InFlight">Its deliveries in Sending at the kill: marked before their calls, so the ones that may go twice.</param>
/// <param name="Unanswered">Its calls the provider had received and not answered yet at the kill.</param>
/// <param name="Finish">From the kill to the last call of the send.</param>
public sealed record ClusterKill(string Instance, int ReachedBefore, int InFlight, int Unanswered, TimeSpan Finish);

/// <summary>The provider's process during the send: garbage collections (each one stops its clock) and bytes allocated.</summary>
public sealed record ProviderHealth(int Collections, long Allocated);

/// <summary>What the provider saw of one send by several instances.</summary>
/// <param name="PeakWindow">The most calls that arrived within any one second (a sliding window over the arrival times).</param>
/// <param name="CombinedRate">Calls ÷ (last arrival − first arrival), per second.</param>
/// <param name="Duplicates">Calls beyond the first for a recipient.</param>
/// <param name="Lost">Recipients the provider never saw.</param>
/// <param name="Provider">Whether the provider's process ran without a pause while it stamped the arrivals (<see cref="NoCollections"/>).</param>
public sealed record ClusterFigures(ClusterPlan Plan, string Database, int Calls, int PeakWindow, double CombinedRate, int Duplicates, int Lost,
    TimeSpan FirstToLast, IReadOnlyDictionary<string, int> CallsPerInstance, int Sent, int Failed, ClusterKill? Kill, ProviderHealth Provider)
{
    public double RateToLimit => CombinedRate / Plan.RatePerSecond;

    public string PerInstance => string.Join(" / ", CallsPerInstance.OrderBy(p => p.Key, StringComparer.Ordinal)
        .Select(p => p.Value.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Where the busiest second was and what made it (<see cref="DescribePeak"/>), for a test's output.</summary>
    public string PeakDetail { get; init; } = "";

    /// <summary>
    /// The busiest second: when (from the first arrival), each instance's calls in it, and each instance's longest gap
    /// between two calls in it and its closest five calls (a stall, then calls bunched on their way out, shows as both).
    /// </summary>
    public static string DescribePeak(IReadOnlyList<ProviderArrival> arrivals)
    {
        var sorted = arrivals.OrderBy(a => a.ArrivedAt).ToArray();
        if (sorted.Length == 0)
            return "no calls";
        var (from, peak) = Busiest(sorted.Select(a => a.ArrivedAt).ToArray(), TimeSpan.FromSeconds(1));
        var window = sorted.Skip(from).Take(peak).ToArray();
        var perInstance = window.GroupBy(a => a.Instance).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var times = g.Select(a => a.ArrivedAt).ToArray();
            var gaps = times.Zip(times.Skip(1), (a, b) => b - a).DefaultIfEmpty().ToArray();
            var closestFive = times.Length >= 5 ? Enumerable.Range(0, times.Length - 4).Min(i => times[i + 4] - times[i]) : 0;
            return string.Create(CultureInfo.InvariantCulture,
                $"{g.Key} {times.Length} (longest gap {Ms(gaps.Max()):N1} ms, five within {Ms(closestFive):N1} ms)");
        });
        return string.Create(CultureInfo.InvariantCulture,
            $"busiest second from +{Ms(window[0].ArrivedAt - sorted[0].ArrivedAt) / 1000:N3} s: {string.Join(", ", perInstance)}");
    }

    /// <summary>Where the time beyond the slots went (<see cref="DescribePauses"/>), for a test's or the benchmark's output.</summary>
    public string PauseDetail { get; init; } = "";

    /// <summary>
    /// The time from the first to the last arrival beyond what the slots take (<c>(calls − 1) × interval</c> at
    /// <paramref name="ratePerSecond"/>), and how much of it the gaps between consecutive arrivals longer than three slots
    /// account for: their number, their time beyond one slot each, and the three longest: when each began, the instances
    /// whose calls it lies between, and whether the one before was that instance's last call of the send. Long gaps are a
    /// stall (no instance sent: slots passed unused or unreserved); what they leave is spread thinly over the run.
    /// </summary>
    public static string DescribePauses(IReadOnlyList<ProviderArrival> arrivals, double ratePerSecond)
    {
        var sorted = arrivals.OrderBy(a => a.ArrivedAt).ToArray();
        if (sorted.Length < 2 || ratePerSecond <= 0)
            return "no pauses to describe";
        var interval = SlotPlan.IntervalTicks(ratePerSecond) * Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond;
        var beyond = Ms(sorted[^1].ArrivedAt - sorted[0].ArrivedAt) - Ms((long)((sorted.Length - 1) * interval));
        var gaps = sorted.Zip(sorted.Skip(1), (before, after) => (Before: before, After: after, Length: after.ArrivedAt - before.ArrivedAt))
            .Where(g => g.Length > 3 * interval).ToArray();
        if (gaps.Length == 0)
            return string.Create(CultureInfo.InvariantCulture, $"{beyond:N0} ms beyond the slots; no gap between calls over three slots");
        var lastOf = sorted.GroupBy(a => a.Instance).ToDictionary(g => g.Key, g => g.Max(a => a.ArrivedAt));
        var longest = gaps.OrderByDescending(g => g.Length).Take(3).Select(g => string.Create(CultureInfo.InvariantCulture,
            $"{Ms(g.Length):N0} ms from +{Ms(g.Before.ArrivedAt - sorted[0].ArrivedAt) / 1000:N1} s ({g.Before.Instance} → {g.After.Instance}" +
            $"{(lastOf[g.Before.Instance] == g.Before.ArrivedAt ? $", {g.Before.Instance}'s last call" : "")})"));
        return string.Create(CultureInfo.InvariantCulture,
            $"{beyond:N0} ms beyond the slots; {gaps.Length} gap{(gaps.Length == 1 ? "" : "s")} between calls over three slots " +
            $"({Ms((long)(3 * interval)):N0} ms) " +
            $"cost {gaps.Sum(g => Ms(g.Length) - Ms((long)interval)):N0} ms, the longest {string.Join(", ", longest)}");
    }

    /// <summary>The slots the instances dropped between the first and the last call (<see cref="SlotDrops.Describe"/>).</summary>
    public string DropDetail { get; init; } = "";

    /// <summary>Stopwatch ticks in milliseconds.</summary>
    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <summary>The most arrivals within any window of <paramref name="window"/>, arrival times in Stopwatch ticks.</summary>
    public static int PeakIn(IEnumerable<long> arrivals, TimeSpan window) => Busiest(arrivals.Order().ToArray(), window).Count;

    /// <summary>The window of <paramref name="window"/> holding the most of <paramref name="sorted"/>: its first index and count.</summary>
    private static (int From, int Count) Busiest(long[] sorted, TimeSpan window)
    {
        var span = (long)(window.TotalSeconds * Stopwatch.Frequency);
        var (peak, from) = (0, 0);
        for (int start = 0, end = 0; end < sorted.Length; end++)
        {
            while (sorted[end] - sorted[start] >= span)
                start++;
            if (end - start + 1 > peak)
                (peak, from) = (end - start + 1, start);
        }
        return (from, peak);
    }
}

/// <summary>
/// One send through several app processes (<see cref="AppProcess"/>) on one database, through the real Messenger
/// adapter to a <see cref="ClusterProvider"/>: the first instance starts (migrating the database), the contacts are
/// added, the others start, the send is created on the first over the API, and the run waits for the send to complete
/// (on PostgreSQL the instances share Hangfire's queue; on SQLite each has its own in-memory queue and takes the batches
/// no live job holds at its reconcile rounds). Shared by the process tests and <c>benchmarks/run.sh cluster</c>.
/// </summary>
public static class ClusterSend
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    public static async Task<ClusterFigures> RunAsync(ClusterPlan plan, ClusterDatabase database, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(log);
        await using var provider = await ClusterProvider.StartAsync(plan.MinLatency, plan.MaxLatency);
        var apps = new List<AppProcess>();
        try
        {
            apps.Add(AppProcess.Start(Settings(plan, database, provider, Name(0))));
            var first = await apps[0].ListeningAsync(StartTimeout);
            var addresses = await AddContactsAsync(database, plan.Recipients);
            for (var i = 1; i < plan.Instances; i++)
                apps.Add(AppProcess.Start(Settings(plan, database, provider, Name(i))));
            var listening = await Task.WhenAll(apps.Skip(1).Select(a => a.ListeningAsync(StartTimeout)));
            await WarmUpAsync([first, .. listening], provider);

            int messageId;
            ClusterKill? kill;
            ProviderHealth health;
            using (var steady = new NoCollections()) // the provider's stamps are arrival times only if this process never stops
            {
                messageId = await CreateSendAsync(first);
                kill = plan.KillAt is { } share ? await KillAsync(apps[1], Name(1), share, plan, provider, database, messageId) : null;
                await UntilAsync(() => CompletedAsync(database, messageId), plan.SendTimeout, "the send completed");
                health = new ProviderHealth(steady.Collections, steady.Allocated);
            }
            var drops = apps.SelectMany((app, i) => SlotDrops.Parse(Name(i), app.Output));
            return await FiguresAsync(plan, database, provider, addresses, messageId, kill, health, drops);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            for (var i = 0; i < apps.Count; i++)
                log($"--- {Name(i)} wrote:\n{Tail(apps[i].Output, 40)}");
            throw;
        }
        finally
        {
            foreach (var app in apps)
                await app.DisposeAsync();
        }
    }

    /// <summary>The instances' names: i1, i2, i3 (the second one is the one a kill ends).</summary>
    public static string Name(int index) => string.Create(CultureInfo.InvariantCulture, $"i{index + 1}");

    private static Dictionary<string, string> Settings(ClusterPlan plan, ClusterDatabase database, ClusterProvider provider, string name)
    {
        var settings = new Dictionary<string, string>(database.AppSettings)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Seed__DemoContacts"] = "0",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information", // "Now listening on: …"
            [$"Logging__LogLevel__{SlotDrops.Category}"] = "Debug", // each dropped rate-limit slot
            ["Channels__Messenger__BaseUrl"] = provider.BaseUrlFor(name).AbsoluteUri,
            ["Channels__Messenger__AccessToken"] = "EAAGcluster-page-token",
            ["Channels__RatePerSecond__Messenger"] = plan.RatePerSecond.ToString(CultureInfo.InvariantCulture),
            // 40 batches of 50: enough for every instance to hold several at once.
            ["Dispatch__BatchSize"] = "50",
            ["Dispatch__HeartbeatInterval"] = "00:00:01",
            // A dead instance's batches come back at the survivors' next round, not at the next minute.
            ["Jobs__ReconcileEvery"] = "00:00:02",
        };
        return settings;
    }

    private static string Psid(int i) => (8_100_000_000_000_000L + i).ToString(CultureInfo.InvariantCulture);

    private static async Task<HashSet<string>> AddContactsAsync(ClusterDatabase database, int count)
    {
        var now = DateTime.UtcNow;
        await using var db = database.CreateDbContext();
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        db.Contacts.AddRange(Enumerable.Range(1, count).Select(i => new Contact
        {
            Channel = ChannelKind.Messenger,
            Address = Psid(i),
            Name = string.Create(CultureInfo.InvariantCulture, $"Cluster {i}"),
            LastInboundAt = now.AddHours(-1), // inside the 24-hour window: no message tag needed
            CreatedAt = now,
            UpdatedAt = now,
        }));
        await db.SaveChangesAsync();
        return [.. Enumerable.Range(1, count).Select(Psid)];
    }

    /// <summary>
    /// One test send through each instance, then forgotten by the provider: the instances are a running cluster's, warm.
    /// A process's first call to a rate-limited channel goes alone until answered (InFlightLimiter: its cold path would
    /// bunch the calls granted behind it), which would cost the measured send one provider latency per instance.
    /// </summary>
    private static async Task WarmUpAsync(IReadOnlyList<Uri> apps, ClusterProvider provider)
    {
        for (var i = 0; i < apps.Count; i++)
        {
            using var client = await OperatorAsync(apps[i]);
            var response = await client.PostAsJsonAsync("/api/messages/test-send", new
            {
                title = "Warm-up", content = "Hello", channel = "messenger", address = Psid(1_000_000 + i),
            });
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode || JsonDocument.Parse(body).RootElement.GetProperty("status").GetString() != "sent")
                throw new InvalidOperationException($"The warm-up test send through {Name(i)} did not go: {body}");
        }
        provider.Forget();
    }

    private static async Task<HttpClient> OperatorAsync(Uri app)
    {
        var client = new HttpClient { BaseAddress = app };
        var login = await client.PostAsJsonAsync("/api/auth/login", new { email = "operator@bulksender.local", password = "Operator123!" });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<int> CreateSendAsync(Uri app)
    {
        using var client = await OperatorAsync(app);
        var response = await client.PostAsJsonAsync("/api/messages",
            new { title = "Cluster", content = "Hello from every instance", channel = "messenger", audience = "channel" });
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"The send was refused: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
    }

    /// <summary>
    /// Kills <paramref name="victim"/> (SIGKILL) once <paramref name="share"/> of the recipients were reached, and counts
    /// its deliveries in Sending at that moment: in the batches it held just before the kill or still holds after it.
    /// </summary>
    private static async Task<ClusterKill> KillAsync(AppProcess victim, string name, double share, ClusterPlan plan, ClusterProvider provider,
        ClusterDatabase database, int messageId)
    {
        var threshold = (int)Math.Ceiling(share * plan.Recipients);
        await UntilAsync(() => Task.FromResult(provider.Reached >= threshold), plan.SendTimeout,
            $"{threshold} recipients were reached");
        var claimer = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{victim.Id}:");
        var held = await HeldByAsync(database, messageId, claimer);
        victim.Kill();
        var killedAt = Stopwatch.GetTimestamp();
        var reachedBefore = provider.Reached;
        await victim.WaitForExitAsync(TimeSpan.FromSeconds(10));
        held.UnionWith(await HeldByAsync(database, messageId, claimer));
        await using var db = database.CreateDbContext();
        var inFlight = await db.Deliveries.CountAsync(d => d.MessageId == messageId && d.Status == DeliveryStatus.Sending
            && d.BatchId != null && held.Contains(d.BatchId.Value));
        var unanswered = provider.Arrivals.Count(a => a.Instance == name && a.ArrivedAt <= killedAt
            && (a.AnsweredAt is not { } answered || answered > killedAt));
        var finish = await FinishAfterAsync(provider, killedAt, plan.SendTimeout, database, messageId);
        return new ClusterKill(name, reachedBefore, inFlight, unanswered, finish);
    }

    private static async Task<HashSet<int>> HeldByAsync(ClusterDatabase database, int messageId, string claimer)
    {
        await using var db = database.CreateDbContext();
        return [.. await db.Batches.Where(b => b.MessageId == messageId && b.Status == BatchStatus.Processing && b.ClaimedBy!.StartsWith(claimer))
            .Select(b => b.Id).ToListAsync()];
    }

    private static async Task<TimeSpan> FinishAfterAsync(ClusterProvider provider, long killedAt, TimeSpan timeout, ClusterDatabase database,
        int messageId)
    {
        await UntilAsync(() => CompletedAsync(database, messageId), timeout, "the surviving instances completed the send");
        return Stopwatch.GetElapsedTime(killedAt, provider.Arrivals.Max(a => a.ArrivedAt));
    }

    private static async Task<bool> CompletedAsync(ClusterDatabase database, int messageId)
    {
        await using var db = database.CreateDbContext();
        return await db.Messages.AnyAsync(m => m.Id == messageId && m.CompletedAt != null);
    }

    private static async Task<ClusterFigures> FiguresAsync(ClusterPlan plan, ClusterDatabase database, ClusterProvider provider,
        HashSet<string> addresses, int messageId, ClusterKill? kill, ProviderHealth health, IEnumerable<SlotDrop> drops)
    {
        var calls = provider.Arrivals;
        await using var db = database.CreateDbContext();
        var message = await db.Messages.SingleAsync(m => m.Id == messageId);
        var first = calls.Min(a => a.ArrivedAt);
        var last = calls.Max(a => a.ArrivedAt);
        var firstToLast = Stopwatch.GetElapsedTime(first, last);
        return new ClusterFigures(plan, database.Name, calls.Count, ClusterFigures.PeakIn(calls.Select(a => a.ArrivedAt), TimeSpan.FromSeconds(1)),
            calls.Count / firstToLast.TotalSeconds, calls.Count - calls.Select(a => a.Recipient).Distinct().Count(),
            addresses.Except(calls.Select(a => a.Recipient)).Count(), firstToLast,
            calls.GroupBy(a => a.Instance).ToDictionary(g => g.Key, g => g.Count()), message.SentCount, message.FailedCount, kill, health)
        {
            PeakDetail = ClusterFigures.DescribePeak(calls),
            PauseDetail = ClusterFigures.DescribePauses(calls, plan.RatePerSecond),
            DropDetail = SlotDrops.Describe(drops, Utc(first), Utc(last), plan.RatePerSecond),
        };

        static DateTime Utc(long timestamp) => DateTime.UtcNow - Stopwatch.GetElapsedTime(timestamp);
    }

    /// <summary>
    /// Polls <paramref name="condition"/> every 100 ms until it holds; a <see cref="TimeoutException"/> after
    /// <paramref name="timeout"/>.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!await condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Waited {timeout.TotalSeconds:N0} s until {what}."));
            await Task.Delay(100);
        }
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));
}
