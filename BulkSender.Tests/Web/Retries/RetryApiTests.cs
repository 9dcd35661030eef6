using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.Retries;

[Collection(AppCollection.Name)]
public sealed class RetryApiTests(AppFixture app)
{
    private async Task<HttpClient> ClientAsync(string email, string password)
    {
        var client = app.NewClient();
        client.UseBearer(await Login.BearerTokenAsync(client, email, password));
        return client;
    }

    [Fact]
    public async Task Failed_recipients_lists_last_errors_types_retryable_count_and_stats()
    {
        await using var db = app.NewDbContext();
        var (id, _) = await FinishedSendBuilder.CreateAsync(db, 5, ErrorType.Network, ErrorType.Network, ErrorType.RateLimit,
            ErrorType.InvalidRecipient);
        using var client = await ClientAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        using var json = JsonDocument.Parse(await client.GetStringAsync($"/api/messages/{id}/failed-recipients"));

        var root = json.RootElement;
        root.GetProperty("retryable_count").GetInt32().ShouldBe(3);
        root.GetProperty("max_retry_attempts").GetInt32().ShouldBe(3);
        root.GetProperty("stats").GetProperty("sent").GetInt32().ShouldBe(5);
        root.GetProperty("stats").GetProperty("failed").GetInt32().ShouldBe(4);
        root.GetProperty("stats").GetProperty("total").GetInt32().ShouldBe(9);
        root.GetProperty("error_type_counts").GetProperty("network").GetInt32().ShouldBe(2);
        root.GetProperty("error_type_counts").GetProperty("invalid_recipient").GetInt32().ShouldBe(1);
        var recipients = root.GetProperty("failed_recipients").EnumerateArray().ToList();
        recipients.Count.ShouldBe(4);
        var invalid = recipients.Single(r => r.GetProperty("last_error_type").GetString() == "invalid_recipient");
        invalid.GetProperty("retryable").GetBoolean().ShouldBeFalse();
        invalid.GetProperty("not_retryable_reason").GetString().ShouldBe(RetryRules.InvalidRecipientReason);
        recipients.ShouldAllBe(r => r.GetProperty("attempt_count").GetInt32() == 1
            && r.GetProperty("last_error_message").GetString()!.StartsWith("Simulated"));
    }

    [Fact]
    public async Task Resend_by_error_type_creates_a_round_numbered_after_the_existing_batches()
    {
        await using var db = app.NewDbContext();
        var (id, _) = await FinishedSendBuilder.CreateAsync(db, 2, ErrorType.Network, ErrorType.RateLimit, ErrorType.RateLimit);
        using var client = await ClientAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        var response = await client.PostAsJsonAsync($"/api/messages/{id}/resend", new { error_types = new[] { "rate_limit" } });

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("recipients_to_retry").GetInt32().ShouldBe(2);
        json.RootElement.GetProperty("batches").GetProperty("total").GetInt32().ShouldBe(1);
        json.RootElement.GetProperty("batches").GetProperty("start_number").GetInt32().ShouldBe(2);
        await app.WaitForIdleDispatchAsync();
        await using var after = app.NewDbContext();
        (await after.Deliveries.CountAsync(d => d.MessageId == id && d.AttemptNumber == 2)).ShouldBe(2);
    }

    [Fact]
    public async Task Resend_with_nothing_retryable_or_an_unknown_type_is_refused_and_changes_nothing()
    {
        await using var db = app.NewDbContext();
        var (id, _) = await FinishedSendBuilder.CreateAsync(db, 1, ErrorType.InvalidRecipient);
        using var client = await ClientAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        var nothing = await client.PostAsJsonAsync($"/api/messages/{id}/resend", new { });
        var unknown = await client.PostAsJsonAsync($"/api/messages/{id}/resend", new { error_types = new[] { "gremlins" } });
        var missing = await client.PostAsJsonAsync("/api/messages/999999/resend", new { });

        nothing.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await nothing.Content.ReadAsStringAsync()).ShouldContain("Nothing to retry");
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("Unknown error type 'gremlins'");
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await using var after = app.NewDbContext();
        (await after.Batches.CountAsync(b => b.MessageId == id)).ShouldBe(1);
    }

    [Fact]
    public async Task Only_admins_change_a_sent_messages_retry_policy()
    {
        await using var db = app.NewDbContext();
        var (id, _) = await FinishedSendBuilder.CreateAsync(db, 3, ErrorType.AccessToken);
        using var op = await ClientAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        using var admin = await ClientAsync(AppFixture.AdminEmail, AppFixture.AdminPassword);

        var refused = await op.PutAsJsonAsync($"/api/messages/{id}/retry-policy", new { policy = "scheduled", max_attempts = 5 });
        var invalid = await admin.PutAsJsonAsync($"/api/messages/{id}/retry-policy", new { policy = "scheduled", max_attempts = 0 });
        var changed = await admin.PutAsJsonAsync($"/api/messages/{id}/retry-policy", new { policy = "scheduled", max_attempts = 5 });

        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await invalid.Content.ReadAsStringAsync()).ShouldContain("Max attempts must be between 1 and 10.");
        changed.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await using var after = app.NewDbContext();
        var message = await after.Messages.SingleAsync(m => m.Id == id);
        (message.RetryPolicy, message.MaxAttempts).ShouldBe((RetryPolicyType.Scheduled, 5));
        message.NextRetryAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_retry_policy_change_over_a_policy_that_changed_since_is_refused_with_409()
    {
        await using var db = app.NewDbContext();
        var (id, _) = await FinishedSendBuilder.CreateAsync(db, 3, ErrorType.AccessToken);
        var shown = await db.Messages.Where(m => m.Id == id).Select(m => new { m.RetryPolicy, m.MaxAttempts }).SingleAsync();
        using var admin = await ClientAsync(AppFixture.AdminEmail, AppFixture.AdminPassword);
        var previous = new { previous_policy = shown.RetryPolicy.ToString(), previous_max_attempts = shown.MaxAttempts };

        var first = await admin.PutAsJsonAsync($"/api/messages/{id}/retry-policy",
            new { policy = "scheduled", max_attempts = 5, previous.previous_policy, previous.previous_max_attempts });
        var stale = await admin.PutAsJsonAsync($"/api/messages/{id}/retry-policy",
            new { policy = "immediate", max_attempts = 2, previous.previous_policy, previous.previous_max_attempts });
        var half = await admin.PutAsJsonAsync($"/api/messages/{id}/retry-policy",
            new { policy = "immediate", max_attempts = 2, previous_policy = "manual" });

        first.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await stale.Content.ReadAsStringAsync()).ShouldContain("The retry policy of this message changed since you opened it");
        half.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        await using var after = app.NewDbContext();
        var message = await after.Messages.SingleAsync(m => m.Id == id);
        (message.RetryPolicy, message.MaxAttempts).ShouldBe((RetryPolicyType.Scheduled, 5));
    }

    [Fact]
    public async Task The_failed_list_exports_as_csv()
    {
        await using var db = app.NewDbContext();
        var (id, _) = await FinishedSendBuilder.CreateAsync(db, 1, ErrorType.Permission, ErrorType.Other);
        using var client = await ClientAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        var response = await client.GetAsync($"/api/messages/{id}/failed-recipients.csv");

        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(3);
        lines[0].ShouldStartWith("name,address,error_type");
        lines.Skip(1).Select(l => l.Split(',')[2]).Order().ShouldBe(["other", "permission"]);
    }

    [Fact]
    public async Task The_retry_failed_job_is_a_recurring_job_every_15_minutes()
    {
        using var connection = app.Services.GetRequiredService<Hangfire.JobStorage>().GetConnection();
        var jobs = Hangfire.Storage.StorageConnectionExtensions.GetRecurringJobs(connection);
        jobs.Single(j => j.Id == RetryFailedJob.RecurringId).Cron.ShouldBe("*/15 * * * *");
        jobs.ShouldContain(j => j.Id == CleanupDeliveriesJob.RecurringId);
        await Task.CompletedTask;
    }
}
