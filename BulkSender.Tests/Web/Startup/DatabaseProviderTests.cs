using System.Net.Http.Json;
using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BulkSender.Tests.Web.Startup;

/// <summary>
/// The built app on the database the environment gives (a SQLite file, or a fresh PostgreSQL database when
/// <see cref="TestPostgres.Enabled"/>): it migrates, seeds, and runs a send through its job storage to the end. On
/// PostgreSQL the jobs go through Hangfire.PostgreSql's tables in the same database.
/// </summary>
[Trait("Database", "Both")]
public sealed class DatabaseProviderTests : IAsyncLifetime
{
    private readonly string directory = RepoPaths.NewTempDirectory("provider");
    private string? postgreSql;

    public async Task InitializeAsync() => postgreSql = TestPostgres.Enabled ? await TestPostgres.CreateDatabaseAsync() : null;

    public async Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (postgreSql is not null)
            await TestPostgres.DropDatabaseAsync(postgreSql);
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    private Dictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Sqlite"] = $"Data Source={Path.Combine(directory, "app.db")}",
            ["Seed__DemoContacts"] = "300",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information", // "Now listening on: …"
            ["Channels__Simulated__LatencyMs"] = "2",
            ["Channels__Simulated__LogFile"] = Path.Combine(directory, "provider.log"),
            ["Channels__RatePerSecond__Email"] = "0",
            ["Dispatch__BatchSize"] = "25",
        };
        if (postgreSql is not null)
            (environment["Database__Provider"], environment["ConnectionStrings__PostgreSql"]) = ("PostgreSql", postgreSql);
        return environment;
    }

    [Fact]
    public async Task The_app_migrates_its_database_and_its_jobs_finish_a_send_with_every_recipient_sent_once()
    {
        await using var app = AppProcess.Start(Environment());
        using var client = new HttpClient { BaseAddress = await app.ListeningAsync(TimeSpan.FromSeconds(90)) };
        client.UseBearer(await Login.BearerTokenAsync(client, "operator@bulksender.local", "Operator123!"));

        var created = await client.PostAsJsonAsync("/api/messages",
            new { title = "Provider", content = "Hi", channel = "email", audience = "channel" });
        created.EnsureSuccessStatusCode();
        var messageId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        Message message;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            await using (var db = Database())
                message = await db.Messages.AsNoTracking().SingleAsync(m => m.Id == messageId);
            if (message.CompletedAt is not null || DateTime.UtcNow > deadline)
                break;
            await Task.Delay(100);
        }

        // The simulated provider fails a few recipients by default: every one is sent or failed, none left behind.
        message.Status.ShouldBeOneOf([MessageStatus.Sent, MessageStatus.PartiallySent], app.Output);
        var total = message.TotalRecipients;
        total.ShouldBeGreaterThan(25, "more than one batch");
        (message.SentCount + message.FailedCount).ShouldBe(total);
        var sends = SimulatedChannelLog.ReadFile(Path.Combine(directory, "provider.log")).Where(s => s.MessageId == messageId).ToList();
        (sends.Count, sends.Select(s => s.DeliveryId).Distinct().Count()).ShouldBe((total, total));
        if (postgreSql is not null)
            (await HangfireJobsAsync()).ShouldBeGreaterThanOrEqualTo(total / 25, "the batch jobs went through Hangfire.PostgreSql");
    }

    private AppDbContext Database() => postgreSql is null
        ? new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>()
            .UseSqlite($"Data Source={Path.Combine(directory, "app.db")}").Options)
        : new PostgreSqlDbContext(new DbContextOptionsBuilder<PostgreSqlDbContext>().UseNpgsql(postgreSql).Options);

    private async Task<long> HangfireJobsAsync()
    {
        await using var connection = new NpgsqlConnection(postgreSql);
        await connection.OpenAsync();
        const string sql = "SELECT COUNT(*) FROM hangfire.job WHERE invocationdata::text LIKE '%SendBatchJob%'";
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
