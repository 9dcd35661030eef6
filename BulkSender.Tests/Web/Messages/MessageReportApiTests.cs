using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BulkSender.Core.Activity;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using static BulkSender.Tests.TestSupport.FunnelBuilder;

namespace BulkSender.Tests.Web.Messages;

/// <summary>GET /api/messages/{id}/report and closing a conversation, on the real app.</summary>
[Collection(AppCollection.Name)]
public sealed class MessageReportApiTests(AppFixture app)
{
    private static (int Total, int Sent, int Delivered, int Read, int Replied, int Closed, int Failed) Counts(JsonElement report) => (
        report.GetProperty("total").GetInt32(), report.GetProperty("sent").GetInt32(), report.GetProperty("delivered").GetInt32(),
        report.GetProperty("read").GetInt32(), report.GetProperty("replied").GetInt32(), report.GetProperty("closed").GetInt32(),
        report.GetProperty("failed").GetInt32());

    [Fact]
    public async Task The_report_counts_each_recipient_once_by_its_latest_attempt_with_rates_of_sent()
    {
        int id;
        await using (var db = app.NewDbContext())
            (id, _) = await MessageAsync(db, [Failed, Failed, Read], [Closed], [Failed], [Sent], [Delivered]);
        using var client = await app.NewOperatorClientAsync();

        var report = await client.GetFromJsonAsync<JsonElement>($"/api/messages/{id}/report");

        report.GetProperty("message_id").GetInt32().ShouldBe(id);
        Counts(report).ShouldBe((5, 4, 3, 2, 1, 1, 1));
        var rates = report.GetProperty("rates");
        (rates.GetProperty("delivered").GetDouble(), rates.GetProperty("read").GetDouble(), rates.GetProperty("replied").GetDouble(),
            rates.GetProperty("closed").GetDouble()).ShouldBe((75.0, 50.0, 25.0, 25.0));
    }

    [Fact]
    public async Task Closing_a_conversation_moves_it_to_closed_once_and_only_for_a_delivery_of_that_message()
    {
        int id, other;
        List<BulkSender.Core.Dispatch.Delivery> latest, others;
        await using (var db = app.NewDbContext())
        {
            (id, latest) = await MessageAsync(db, [Replied], [Read], [Failed]);
            (other, others) = await MessageAsync(db, [Replied]);
        }
        using var client = await app.NewOperatorClientAsync();

        var first = await client.PostAsync($"/api/messages/{id}/deliveries/{latest[0].Id}/close", null);
        var again = await client.PostAsync($"/api/messages/{id}/deliveries/{latest[0].Id}/close", null);
        var wrongMessage = await client.PostAsync($"/api/messages/{id}/deliveries/{others[0].Id}/close", null);
        var failedOne = await client.PostAsync($"/api/messages/{id}/deliveries/{latest[2].Id}/close", null);

        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("already_closed").GetBoolean().ShouldBeFalse();
        (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("already_closed").GetBoolean().ShouldBeTrue();
        wrongMessage.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        failedOne.StatusCode.ShouldBe(HttpStatusCode.NotFound, "only a delivery the provider accepted has a conversation");
        Counts(await client.GetFromJsonAsync<JsonElement>($"/api/messages/{id}/report")).Closed.ShouldBe(1);
        Counts(await client.GetFromJsonAsync<JsonElement>($"/api/messages/{other}/report")).Closed.ShouldBe(0);
        await using (var db = app.NewDbContext())
        {
            var entityId = id.ToString(CultureInfo.InvariantCulture);
            var logged = await db.Activity.Where(a => a.Action == ActivityActions.ConversationClosed && a.EntityId == entityId).ToListAsync();
            logged.ShouldHaveSingleItem("the second close changed nothing and logged nothing");
            logged[0].UserName.ShouldBe(AppFixture.OperatorEmail);
            logged[0].Details.ShouldBe($"Conversation with {latest[0].RecipientAddress} closed");
        }
    }

    [Fact]
    public async Task Closing_a_conversation_of_a_recipient_who_did_not_reply_is_a_409_and_closes_nothing()
    {
        int id;
        List<BulkSender.Core.Dispatch.Delivery> latest;
        await using (var db = app.NewDbContext())
            (id, latest) = await MessageAsync(db, [Replied], [Read], [Delivered], [Sent]);
        using var client = await app.NewOperatorClientAsync();

        foreach (var delivery in latest.Skip(1))
        {
            var response = await client.PostAsync($"/api/messages/{id}/deliveries/{delivery.Id}/close", null);

            response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            problem.GetProperty("detail").GetString().ShouldBe("This recipient has not replied, so there is no conversation to close.");
        }
        (await client.PostAsync($"/api/messages/{id}/deliveries/{latest[0].Id}/close", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var counts = Counts(await client.GetFromJsonAsync<JsonElement>($"/api/messages/{id}/report"));
        (counts.Replied, counts.Closed).ShouldBe((1, 1), "closed never outgrows replied");
        await using (var db = app.NewDbContext())
        {
            var closedIds = await db.Deliveries.Where(d => d.MessageId == id && d.ClosedAt != null).Select(d => d.Id).ToListAsync();
            closedIds.ShouldBe([latest[0].Id]);
            var entityId = id.ToString(CultureInfo.InvariantCulture);
            (await db.Activity.CountAsync(a => a.Action == ActivityActions.ConversationClosed && a.EntityId == entityId)).ShouldBe(1);
        }
    }

    [Fact]
    public async Task After_a_resend_the_batches_summary_and_the_report_count_the_same_recipients()
    {
        int id;
        await using (var db = app.NewDbContext())
            (id, _) = await FinishedSendBuilder.CreateAsync(db, 2,
                ErrorType.Network, ErrorType.RateLimit, ErrorType.RateLimit, ErrorType.InvalidRecipient);
        using var client = await app.NewOperatorClientAsync();

        var resend = await client.PostAsync($"/api/messages/{id}/resend", null);
        resend.StatusCode.ShouldBe(HttpStatusCode.OK, await resend.Content.ReadAsStringAsync());
        var batches = await MessageApiTests.WaitForBatchesAsync(client, id, b => b.GetProperty("summary") is var s
            && s.GetProperty("total_batches").GetInt32() == 2
            && s.GetProperty("pending").GetInt32() == 0 && s.GetProperty("processing").GetInt32() == 0);
        await app.WaitForIdleDispatchAsync();
        var summary = (await client.GetFromJsonAsync<JsonElement>($"/api/messages/{id}/batches")).GetProperty("summary");
        var report = Counts(await client.GetFromJsonAsync<JsonElement>($"/api/messages/{id}/report"));

        (summary.GetProperty("total_sent").GetInt32(), summary.GetProperty("total_failed").GetInt32())
            .ShouldBe((report.Sent, report.Failed), $"{batches}");
        (report.Sent + report.Failed).ShouldBe(6, "six recipients, each counted once");
        report.Failed.ShouldBeGreaterThanOrEqualTo(1, "the invalid recipient is not retried");
        summary.GetProperty("success_rate").GetDouble().ShouldBe(Math.Round(100.0 * report.Sent / 6, 1));
        // Attempts are named as such: the three retried recipients failed once before, so three attempts more than recipients.
        (summary.GetProperty("sent_attempts").GetInt32(), summary.GetProperty("failed_attempts").GetInt32())
            .ShouldBe((report.Sent, report.Failed + 3));
    }

    [Fact]
    public async Task The_report_needs_a_login_and_an_existing_message()
    {
        using var anonymous = app.NewClient();
        using var client = await app.NewOperatorClientAsync();

        (await anonymous.GetAsync("/api/messages/1/report")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsync("/api/messages/1/deliveries/1/close", null)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.GetAsync("/api/messages/999999/report")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
