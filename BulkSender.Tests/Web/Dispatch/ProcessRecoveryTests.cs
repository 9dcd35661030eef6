using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace BulkSender.Tests.Web.Dispatch;

/// <summary>
/// The built app as child processes on one SQLite file: killed in the middle of a send, and two at once. The simulated
/// provider writes every send to a file per process, flushed before the adapter returns, so the test counts exactly
/// what reached "the provider", even from a process it killed.
/// </summary>
public sealed class ProcessRecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string directory = RepoPaths.NewTempDirectory("process");

    private string DatabasePath => Path.Combine(directory, "app.db");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    /// <summary>The app's settings; Dispatch:StaleAfter stays its default, 10 minutes.</summary>
    private Dictionary<string, string> Environment(string providerLog, int emailRate, int workers = 0) => new()
    {
        ["Jobs__WorkerCount"] = workers.ToString(CultureInfo.InvariantCulture),
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["ConnectionStrings__Sqlite"] = $"Data Source={DatabasePath}",
        ["Seed__DemoContacts"] = "1200",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information", // "Now listening on: …"
        ["Channels__Simulated__LatencyMs"] = "10",
        ["Channels__Simulated__LatencyJitterMs"] = "0",
        ["Channels__Simulated__LogFile"] = Path.Combine(directory, providerLog),
        ["Channels__RatePerSecond__Email"] = emailRate.ToString(CultureInfo.InvariantCulture),
        ["Dispatch__BatchSize"] = "20",
        ["Dispatch__HeartbeatInterval"] = "00:00:01",
    };

    private SqliteDbContext Database() =>
        new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite($"Data Source={DatabasePath}").Options);

    private static async Task<int> SendToAllEmailContactsAsync(Uri app)
    {
        using var client = new HttpClient { BaseAddress = app };
        client.UseBearer(await Login.BearerTokenAsync(client, "operator@bulksender.local", "Operator123!"));
        var response = await client.PostAsJsonAsync("/api/messages",
            new { title = "Survives", content = "Hi", channel = "email", audience = "channel" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
    }

    private List<SimulatedSend> ProviderLog(string name, int messageId) =>
        SimulatedChannelLog.ReadFile(Path.Combine(directory, name)).Where(s => s.MessageId == messageId).ToList();

    private static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out waiting until {what}.");
            await Task.Delay(50);
        }
    }

    private async Task<bool> CompletedAsync(int messageId)
    {
        await using var db = Database();
        return await db.Messages.AnyAsync(m => m.Id == messageId && m.CompletedAt != null);
    }

    [Fact]
    public async Task A_process_killed_mid_send_goes_on_within_60_s_of_its_restart_losing_nobody_and_resending_only_what_was_in_flight()
    {
        int messageId;
        // StaleAfter is its default, 10 minutes: the restarted process knows the claimer is dead (its process is gone).
        await using (var first = AppProcess.Start(Environment("provider-1.log", emailRate: 100)))
        {
            messageId = await SendToAllEmailContactsAsync(await first.ListeningAsync(TimeSpan.FromSeconds(60)));
            await Until(() => Task.FromResult(ProviderLog("provider-1.log", messageId).Count >= 100), TimeSpan.FromSeconds(60),
                "100 messages were sent");
            first.Kill();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        int total, inFlight, sentBeforeRestart;
        await using (var db = Database())
        {
            total = await db.Deliveries.CountAsync(d => d.MessageId == messageId);
            inFlight = await db.Deliveries.CountAsync(d => d.MessageId == messageId && d.Status == DeliveryStatus.Sending);
            sentBeforeRestart = await db.Deliveries.CountAsync(d => d.MessageId == messageId
                && (d.Status == DeliveryStatus.Sent || d.Status == DeliveryStatus.Failed));
            (await db.Batches.CountAsync(b => b.MessageId == messageId && b.Status == BatchStatus.Processing)).ShouldBeGreaterThan(0);
        }
        sentBeforeRestart.ShouldBeLessThan(total, "the process was killed before the send ended");
        ProviderLog("provider-1.log", messageId).Count.ShouldBeLessThanOrEqualTo(sentBeforeRestart + inFlight);
        var restarted = DateTimeOffset.UtcNow;
        await using (var second = AppProcess.Start(Environment("provider-2.log", emailRate: 100)))
        {
            await second.ListeningAsync(TimeSpan.FromSeconds(60));
            await Until(() => Task.FromResult(ProviderLog("provider-2.log", messageId).Count > 0), TimeSpan.FromSeconds(60),
                "the send went on after the restart");
            var wentOn = ProviderLog("provider-2.log", messageId).Min(s => s.At) - restarted;
            output.WriteLine($"the first send after the restart came {wentOn.TotalSeconds:N1} s after it");
            wentOn.ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(60));
            await Until(() => CompletedAsync(messageId), TimeSpan.FromSeconds(90), "the send completed after the restart");
        }

        await using (var db = Database())
        {
            var deliveries = await db.Deliveries.Where(d => d.MessageId == messageId).ToListAsync();
            deliveries.ShouldAllBe(d => d.Status == DeliveryStatus.Sent || d.Status == DeliveryStatus.Failed, "nobody is left pending or in flight");
            var message = await db.Messages.SingleAsync(m => m.Id == messageId);
            (message.SentCount + message.FailedCount).ShouldBe(total);
            (await db.Batches.Where(b => b.MessageId == messageId).AllAsync(b => b.Status == BatchStatus.Completed)).ShouldBeTrue();
        }
        var reached = ProviderLog("provider-1.log", messageId).Concat(ProviderLog("provider-2.log", messageId)).ToList();
        output.WriteLine($"{total} recipients; killed with {sentBeforeRestart} recorded and {inFlight} in flight; " +
            $"the provider got {reached.Count} sends ({reached.Count - total} twice)");
        reached.Select(s => s.DeliveryId).Distinct().Count().ShouldBe(total, "0 recipients lost");
        (reached.Count - total).ShouldBeLessThanOrEqualTo(inFlight, $"only the {inFlight} deliveries in flight at the kill may have gone twice");
    }

    [Fact]
    public async Task Two_processes_on_one_SQLite_database_share_the_batches_and_never_send_to_anyone_twice()
    {
        // The first process is slow on purpose (2 workers, 2 messages a second: over three minutes for the ~400
        // recipients alone), so however long the second one takes to start, batches are still waiting for it.
        await using var first = AppProcess.Start(Environment("provider-a.log", emailRate: 2, workers: 2));
        var messageId = await SendToAllEmailContactsAsync(await first.ListeningAsync(TimeSpan.FromSeconds(60)));

        // The second process knows none of the first one's jobs: at start it enqueues every pending batch itself,
        // so from then on both compete for the same batches.
        await using var second = AppProcess.Start(Environment("provider-b.log", emailRate: 50));
        await second.ListeningAsync(TimeSpan.FromSeconds(60));
        await Until(() => CompletedAsync(messageId), TimeSpan.FromSeconds(90), "the send completed");

        int total;
        await using (var db = Database())
            total = await db.Deliveries.CountAsync(d => d.MessageId == messageId);
        var a = ProviderLog("provider-a.log", messageId);
        var b = ProviderLog("provider-b.log", messageId);
        a.ShouldNotBeEmpty();
        b.ShouldNotBeEmpty("both processes took part");
        var all = a.Concat(b).Select(s => s.DeliveryId).ToList();
        output.WriteLine($"{total} recipients: {a.Count} sent by the first process, {b.Count} by the second");
        all.Count.ShouldBe(total);
        all.Distinct().Count().ShouldBe(total, "nobody was sent to twice");
    }
}
