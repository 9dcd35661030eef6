using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Web.Messages;

/// <summary>POST /api/messages with an Idempotency-Key header, on the real app.</summary>
[Collection(AppCollection.Name)]
public sealed class IdempotentMessageApiTests(AppFixture app)
{
    private async Task<object> SendBodyAsync(string title)
    {
        await using var db = app.NewDbContext();
        var ids = await db.Contacts.Where(c => c.Channel == ChannelKind.Email && !c.OptedOut).OrderBy(c => c.Id).Select(c => c.Id).Take(3)
            .ToListAsync();
        return new { title, content = "Once only", channel = "email", audience = "selection", contact_ids = ids };
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, object body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    private async Task<int> MessagesTitledAsync(string title)
    {
        await using var db = app.NewDbContext();
        return await db.Messages.CountAsync(m => m.Title == title);
    }

    [Fact]
    public async Task Parallel_posts_with_one_idempotency_key_create_one_message_and_get_the_same_answer()
    {
        using var client = await app.NewOperatorClientAsync();
        var title = $"Idempotent {Guid.NewGuid():N}";
        var body = await SendBodyAsync(title);
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostAsync(client, body, key)));
        var later = await PostAsync(client, body, key);

        var answers = new List<(HttpStatusCode, string?, string)>();
        foreach (var response in responses.Append(later))
            answers.Add((response.StatusCode, response.Headers.Location?.ToString(), await response.Content.ReadAsStringAsync()));
        answers.Distinct().ShouldHaveSingleItem($"every answer is the first one: {string.Join(" | ", answers)}");
        answers[0].Item1.ShouldBe(HttpStatusCode.Created, answers[0].Item3);
        responses.Append(later).Count(r => r.Headers.Contains("Idempotent-Replayed"))
            .ShouldBe(4, "all but the one that made the send say they are repeats");
        (await MessagesTitledAsync(title)).ShouldBe(1);
        var id = JsonDocument.Parse(answers[0].Item3).RootElement.GetProperty("id").GetInt32();
        await using (var db = app.NewDbContext())
            (await db.Deliveries.CountAsync(d => d.MessageId == id)).ShouldBe(3, "each recipient gets the message once");
        await app.WaitForIdleDispatchAsync();
    }

    [Fact]
    public async Task The_same_idempotency_key_with_another_body_is_a_422_problem_and_creates_nothing()
    {
        using var client = await app.NewOperatorClientAsync();
        var title = $"Idempotent {Guid.NewGuid():N}";
        var key = Guid.NewGuid().ToString();
        (await PostAsync(client, await SendBodyAsync(title), key)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var other = await PostAsync(client, await SendBodyAsync(title + " (changed)"), key);

        other.StatusCode.ShouldBe((HttpStatusCode)422);
        other.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()
            .ShouldBe("This idempotency key was already used for a different request. Use a new key for a new send.");
        (await MessagesTitledAsync(title + " (changed)")).ShouldBe(0);
        await app.WaitForIdleDispatchAsync();
    }

    [Fact]
    public async Task An_idempotency_key_of_another_user_is_theirs_alone()
    {
        using var operatorClient = await app.NewOperatorClientAsync();
        using var adminClient = app.NewClient();
        adminClient.UseBearer(await Login.BearerTokenAsync(adminClient, AppFixture.AdminEmail, AppFixture.AdminPassword));
        var title = $"Idempotent {Guid.NewGuid():N}";
        var body = await SendBodyAsync(title);
        var key = Guid.NewGuid().ToString();

        var mine = await PostAsync(operatorClient, body, key);
        var theirs = await PostAsync(adminClient, body, key);

        (mine.StatusCode, theirs.StatusCode).ShouldBe((HttpStatusCode.Created, HttpStatusCode.Created));
        theirs.Headers.Location.ShouldNotBe(mine.Headers.Location);
        (await MessagesTitledAsync(title)).ShouldBe(2);
        await app.WaitForIdleDispatchAsync();
    }

    [Fact]
    public async Task A_malformed_idempotency_key_is_a_400_problem_naming_the_header()
    {
        using var client = await app.NewOperatorClientAsync();
        var title = $"Idempotent {Guid.NewGuid():N}";

        var response = await PostAsync(client, await SendBodyAsync(title), new string('k', 256));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty("Idempotency-Key")[0].GetString()
            .ShouldBe("An idempotency key is 1 to 255 printable ASCII characters (a UUID is a good one).");
        (await MessagesTitledAsync(title)).ShouldBe(0);
    }
}
