using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.Messages;

/// <summary>POST /api/messages and GET /api/messages/{id}/batches on the real app with its real job server.</summary>
[Collection(AppCollection.Name)]
public sealed class MessageApiTests(AppFixture app)
{
    private async Task<HttpClient> OperatorAsync()
    {
        var client = app.NewClient();
        client.UseBearer(await Login.BearerTokenAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword));
        return client;
    }

    private async Task<List<int>> ActiveIdsAsync(ChannelKind channel, int count)
    {
        await using var db = app.NewDbContext();
        return await db.Contacts.Where(c => c.Channel == channel && !c.OptedOut).OrderBy(c => c.Id).Select(c => c.Id).Take(count).ToListAsync();
    }

    internal static async Task<JsonElement> WaitForBatchesAsync(HttpClient client, int messageId, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var json = await client.GetFromJsonAsync<JsonElement>($"/api/messages/{messageId}/batches");
            if (done(json))
                return json;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Message {messageId} did not get there: {json}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Posting_a_send_creates_its_batches_and_the_batches_endpoint_reports_them_until_done()
    {
        using var client = await OperatorAsync();
        var ids = await ActiveIdsAsync(ChannelKind.Email, 90);

        var response = await client.PostAsJsonAsync("/api/messages", new
        {
            title = "API send", content = "Hello from the API", channel = "email", audience = "selection", contact_ids = ids, max_attempts = 4,
        });

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetInt32();
        response.Headers.Location!.ToString().ShouldBe($"/api/messages/{id}");
        (created.GetProperty("status").GetString(), created.GetProperty("total_recipients").GetInt32(),
            created.GetProperty("batch_count").GetInt32()).ShouldBe(("sending", 90, 1));

        var done = await WaitForBatchesAsync(client, id, j => j.GetProperty("summary").GetProperty("completed").GetInt32() == 1);
        var summary = done.GetProperty("summary");
        (summary.GetProperty("total_batches").GetInt32(), summary.GetProperty("processing").GetInt32(), summary.GetProperty("pending").GetInt32(),
            summary.GetProperty("failed").GetInt32()).ShouldBe((1, 0, 0, 0));
        var sent = summary.GetProperty("total_sent").GetInt32();
        var failed = summary.GetProperty("total_failed").GetInt32();
        (sent + failed).ShouldBe(90);
        summary.GetProperty("success_rate").GetDouble().ShouldBe(Math.Round(100.0 * sent / 90, 1));
        var batch = done.GetProperty("batches").EnumerateArray().Single();
        (batch.GetProperty("number").GetInt32(), batch.GetProperty("status").GetString(), batch.GetProperty("recipient_count").GetInt32(),
            batch.GetProperty("sent_count").GetInt32()).ShouldBe((1, "completed", 90, sent));
        batch.GetProperty("completed_at").GetString()!.ShouldEndWith("Z");
        await using var db = app.NewDbContext();
        var message = await db.Messages.SingleAsync(m => m.Id == id);
        (message.MaxAttempts, message.CreatedByName).ShouldBe((4, AppFixture.OperatorEmail));
    }

    [Fact]
    public async Task More_than_2000_contacts_get_a_400_problem_that_says_so_and_nothing_is_created()
    {
        using var client = await OperatorAsync();
        await using var db = app.NewDbContext();
        var before = await db.Messages.CountAsync();

        var response = await client.PostAsJsonAsync("/api/messages", new
        {
            title = "Too many", content = "Hi", channel = "email", audience = "selection", contact_ids = Enumerable.Range(1, 2001),
        });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty("contact_ids")[0].GetString().ShouldBe("Select at most 2,000 contacts: this selection has 2,001.");
        problem.GetProperty("detail").GetString()!.ShouldContain("at most 2,000");
        (await db.Messages.CountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Unknown_and_opted_out_contacts_get_a_400_that_says_how_many()
    {
        using var client = await OperatorAsync();
        await using var db = app.NewDbContext();
        var optedOut = await db.Contacts.Where(c => c.Channel == ChannelKind.Email && c.OptedOut).Select(c => c.Id).Take(1).ToListAsync();
        optedOut.ShouldNotBeEmpty();

        var response = await client.PostAsJsonAsync("/api/messages", new
        {
            title = "Bad ids", content = "Hi", channel = "email", audience = "selection",
            contact_ids = (await ActiveIdsAsync(ChannelKind.Email, 5)).Concat(optedOut).Concat([700_001, 700_002, 700_003]),
        });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty("contact_ids")[0].GetString()
            .ShouldBe("3 selected contacts do not exist; 1 selected contact has opted out. Remove them from the selection and try again.");
    }

    [Fact]
    public async Task An_invalid_form_gets_the_same_messages_as_the_compose_page()
    {
        using var client = await OperatorAsync();

        var response = await client.PostAsJsonAsync("/api/messages", new
        {
            title = "", content = new string('x', 2001), channel = "messenger", audience = "tag", max_attempts = 11,
        });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        errors.GetProperty("title")[0].GetString().ShouldBe("Give the message a title.");
        errors.GetProperty("content")[0].GetString().ShouldBe("Too long for Messenger: 2,001 of 2,000 characters.");
        errors.GetProperty("audience_tag")[0].GetString().ShouldBe("Choose a tag.");
        errors.GetProperty("max_attempts")[0].GetString().ShouldBe("Max attempts is between 1 and 10.");
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("""{ "title": "x", "content": "y", "channel": "pigeon" }""")]
    public async Task A_malformed_body_gets_a_400(string body)
    {
        using var client = await OperatorAsync();

        var response = await client.PostAsync("/api/messages", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_messages_api_needs_a_login_and_unknown_messages_are_404()
    {
        using var anonymous = app.NewClient();
        (await anonymous.PostAsJsonAsync("/api/messages", new { title = "x" })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync("/api/messages/1/batches")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsync("/api/messages/1/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        using var client = await OperatorAsync();
        (await client.GetAsync("/api/messages/999999/batches")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.PostAsync("/api/messages/999999/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_scheduled_send_waits_with_its_batches_pending_and_can_be_cancelled_once()
    {
        using var client = await OperatorAsync();
        var at = DateTime.UtcNow.AddDays(1);

        var response = await client.PostAsJsonAsync("/api/messages", new
        {
            title = "Tomorrow", content = "Hi", channel = "whatsapp", audience = "channel", when = "at", scheduled_at = at,
        });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var batches = await client.GetFromJsonAsync<JsonElement>($"/api/messages/{id}/batches");
        batches.GetProperty("status").GetString().ShouldBe("scheduled");
        batches.GetProperty("batches").EnumerateArray().ShouldAllBe(b => b.GetProperty("status").GetString() == "pending");

        var cancel = await client.PostAsync($"/api/messages/{id}/cancel", null);
        cancel.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetFromJsonAsync<JsonElement>($"/api/messages/{id}/batches")).GetProperty("summary").GetProperty("cancelled").GetInt32()
            .ShouldBe(batches.GetProperty("summary").GetProperty("total_batches").GetInt32());
        var again = await client.PostAsync($"/api/messages/{id}/cancel", null);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        again.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task A_draft_is_saved_without_recipients_being_written()
    {
        using var client = await OperatorAsync();

        var response = await client.PostAsJsonAsync("/api/messages", new
        {
            title = "Idea", when = "draft", channel = "email", audience = "selection", contact_ids = await ActiveIdsAsync(ChannelKind.Email, 3),
        });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        (created.GetProperty("status").GetString(), created.GetProperty("total_recipients").GetInt32()).ShouldBe(("draft", 0));
        await using var db = app.NewDbContext();
        var id = created.GetProperty("id").GetInt32();
        (await db.Deliveries.CountAsync(d => d.MessageId == id)).ShouldBe(0);
        (await db.DraftRecipients.CountAsync(r => r.MessageId == id)).ShouldBe(3);
    }

    [Fact]
    public async Task The_same_batches_enqueued_twice_on_the_real_job_server_reach_each_recipient_once()
    {
        using var client = await OperatorAsync();
        var response = await client.PostAsJsonAsync("/api/messages", new
        {
            title = "Twice", content = "Hi", channel = "email", audience = "selection", contact_ids = await ActiveIdsAsync(ChannelKind.Email, 80),
        });
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        await using (var scope = app.Services.CreateAsyncScope())
        await using (var db = app.NewDbContext())
        {
            var batchIds = await db.Batches.Where(b => b.MessageId == id).Select(b => b.Id).ToListAsync();
            var queue = scope.ServiceProvider.GetRequiredService<BatchQueue>();
            await queue.EnqueueAsync(batchIds, default);
            await queue.EnqueueAsync(batchIds, default);
        }

        await WaitForBatchesAsync(client, id, j => j.GetProperty("summary").GetProperty("completed").GetInt32() == 1);
        await app.WaitForIdleDispatchAsync(); // the spare jobs have run and found nothing to do

        var sends = app.Services.GetRequiredService<SimulatedChannelLog>().ForMessage(id);
        sends.Count.ShouldBe(80);
        sends.Select(s => s.DeliveryId).Distinct().Count().ShouldBe(80);
    }
}
