using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Web.Shared;

/// <summary>
/// Every API body of the real app, fed nulls, values of the wrong type, empty strings, no body and bodies that are
/// not JSON: each answers 400 application/problem+json naming the field (or the body), never 500, and changes nothing.
/// Fields that are nullable by design (null means "none" or "the default") are not in the table.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ApiBadBodyTests(AppFixture app)
{
    private enum Who { Anonymous, Operator, Admin }

    private sealed record Endpoint(string Method, string Path, Who Who, string ValidBody);

    private const string Compose = "POST /api/messages";
    private const string Resend = "POST /api/messages/{id}/resend";
    private const string RetryPolicy = "PUT /api/messages/{id}/retry-policy";
    private const string SaveSettings = "PUT /api/settings/channels/{channel}";
    private const string TestMessage = "POST /api/settings/channels/{channel}/test";
    private const string Login = "POST /api/auth/login";

    // No message has this id: a body that got past reading and validation would answer 404, not 400.
    private static readonly Dictionary<string, Endpoint> Endpoints = new()
    {
        [Compose] = new("POST", "/api/messages", Who.Operator,
            """{"title":"Bad input","content":"Hello","channel":"email","audience":"channel","when":"at","scheduled_at":"2099-01-01T09:00:00Z"}"""),
        [Resend] = new("POST", "/api/messages/999999/resend", Who.Operator, """{"recipient_ids":[1],"error_types":["network"]}"""),
        [RetryPolicy] = new("PUT", "/api/messages/999999/retry-policy", Who.Admin, """{"policy":"immediate","max_attempts":3}"""),
        [SaveSettings] = new("PUT", "/api/settings/channels/email", Who.Admin, """{"values":{"Host":"smtp.example.test"},"clear":[]}"""),
        [TestMessage] = new("POST", "/api/settings/channels/email/test", Who.Admin, """{"address":"someone@example.test","text":"Hi"}"""),
        [Login] = new("POST", "/api/auth/login", Who.Anonymous, """{"email":"nobody@example.test","password":"whatever"}"""),
    };

    /// <summary>The endpoint, a change to its valid body (merged into it), and the field the problem must name.</summary>
    public static TheoryData<string, string, string> BadValues => new()
    {
        { Compose, """{"title":null}""", "title" },
        { Compose, """{"title":""}""", "title" },
        { Compose, """{"title":{"text":"x"}}""", "title" },
        { Compose, """{"content":null}""", "content" },
        { Compose, """{"content":""}""", "content" },
        { Compose, """{"content":["Hello"]}""", "content" },
        { Compose, """{"content":{"text":"Hello"}}""", "content" },
        { Compose, """{"channel":null}""", "channel" },
        { Compose, """{"channel":""}""", "channel" },
        { Compose, """{"channel":"fax"}""", "channel" },
        { Compose, """{"channel":99}""", "channel" },
        { Compose, """{"audience":null}""", "audience" },
        { Compose, """{"audience":""}""", "audience" },
        { Compose, """{"when":null}""", "when" },
        { Compose, """{"when":{}}""", "when" },
        { Compose, """{"contact_ids":null}""", "contact_ids" },
        { Compose, """{"contact_ids":"1,2"}""", "contact_ids" },
        { Compose, """{"contact_ids":{"id":1}}""", "contact_ids" },
        { Compose, """{"contact_ids":[null]}""", "contact_ids[0]" },
        { Compose, """{"contact_ids":[1,"two"]}""", "contact_ids[1]" },
        { Compose, """{"audience":"selection","contact_ids":[]}""", "contact_ids" },
        { Compose, """{"audience":"tag","audience_tag":""}""", "audience_tag" },
        { Compose, """{"audience":"tag","audience_tag":null}""", "audience_tag" },
        { Compose, """{"audience_tag":{"tag":"x"}}""", "audience_tag" },
        { Compose, """{"message_tag":5}""", "message_tag" },
        { Compose, """{"scheduled_at":null}""", "scheduled_at" },
        { Compose, """{"scheduled_at":""}""", "scheduled_at" },
        { Compose, """{"scheduled_at":"tomorrow"}""", "scheduled_at" },
        { Compose, """{"when":"campaign","daily_limit":null}""", "daily_limit" },
        { Compose, """{"daily_limit":"ten"}""", "daily_limit" },
        { Compose, """{"daily_limit":[]}""", "daily_limit" },
        { Compose, """{"max_attempts":"three"}""", "max_attempts" },
        { Compose, """{"max_attempts":0}""", "max_attempts" },
        { Compose, """{"retry_policy":""}""", "retry_policy" },
        { Compose, """{"retry_policy":7}""", "retry_policy" },
        { Resend, """{"recipient_ids":"1"}""", "recipient_ids" },
        { Resend, """{"recipient_ids":[null]}""", "recipient_ids[0]" },
        { Resend, """{"recipient_ids":{"id":1}}""", "recipient_ids" },
        { Resend, """{"error_types":"network"}""", "error_types" },
        { Resend, """{"error_types":[null]}""", "error_types" },
        { Resend, """{"error_types":[""]}""", "error_types" },
        { Resend, """{"error_types":[{}]}""", "error_types[0]" },
        { RetryPolicy, """{"policy":null}""", "policy" },
        { RetryPolicy, """{"policy":""}""", "policy" },
        { RetryPolicy, """{"policy":5}""", "policy" },
        { RetryPolicy, """{"policy":{"name":"manual"}}""", "policy" },
        { RetryPolicy, """{"max_attempts":"three"}""", "max_attempts" },
        { RetryPolicy, """{"max_attempts":null}""", "max_attempts" },
        { SaveSettings, """{"values":"Host=x"}""", "values" },
        { SaveSettings, """{"values":["Host"]}""", "values" },
        { SaveSettings, """{"values":{"Host":5}}""", "values.Host" },
        { SaveSettings, """{"values":{"Host":{"v":"x"}}}""", "values.Host" },
        { SaveSettings, """{"values":{"NoSuchSetting":""}}""", "NoSuchSetting" },
        { SaveSettings, """{"clear":"Password"}""", "clear" },
        { SaveSettings, """{"clear":[null]}""", "clear" },
        { SaveSettings, """{"clear":[5]}""", "clear[0]" },
        { TestMessage, """{"address":null}""", "address" },
        { TestMessage, """{"address":""}""", "address" },
        { TestMessage, """{"address":5}""", "address" },
        { TestMessage, """{"text":null}""", "text" },
        { TestMessage, """{"text":""}""", "text" },
        { TestMessage, """{"text":{"body":"Hi"}}""", "text" },
        { Login, """{"email":null}""", "email" },
        { Login, """{"email":""}""", "email" },
        { Login, """{"email":["a@b.test"]}""", "email" },
        { Login, """{"password":null}""", "password" },
        { Login, """{"password":12345}""", "password" },
    };

    /// <summary>Bodies that are not a JSON object of the expected shape, for every endpoint: the problem names the body.</summary>
    public static TheoryData<string, string> BadBodies()
    {
        var data = new TheoryData<string, string>();
        foreach (var endpoint in new[] { Compose, RetryPolicy, SaveSettings, TestMessage, Login })
            foreach (var body in new[] { "", "null", "not json", "{\"title\": ", "[1, 2]", "\"text\"", "42" })
                data.Add(endpoint, body);
        // A resend's body is optional (no body: every retryable recipient), but a body must be readable.
        foreach (var body in new[] { "not json", "[1, 2]", "\"text\"" })
            data.Add(Resend, body);
        return data;
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task A_null_wrong_type_or_empty_value_is_a_400_problem_naming_the_field_and_changes_nothing(string endpoint, string change,
        string field)
    {
        var body = JsonNode.Parse(Endpoints[endpoint].ValidBody)!.AsObject();
        foreach (var (name, value) in JsonNode.Parse(change)!.AsObject())
            body[name] = value?.DeepClone();

        var problem = await BadRequestAsync(endpoint, body.ToJsonString());

        problem.TryGetProperty("errors", out var errorsByField).ShouldBeTrue($"{problem}");
        var errors = errorsByField.EnumerateObject().Select(e => e.Name).ToList();
        errors.ShouldContain(e => e.Equals(field, StringComparison.OrdinalIgnoreCase), $"{problem}");
        problem.GetProperty("errors").GetProperty(errors.First(e => e.Equals(field, StringComparison.OrdinalIgnoreCase)))[0].GetString()
            .ShouldNotBeNullOrWhiteSpace();
        problem.ToString().ShouldNotContain("System.", Case.Sensitive, "no .NET type names in the answer");
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_missing_or_unreadable_body_is_a_400_problem_naming_the_body_and_changes_nothing(string endpoint, string body)
    {
        var problem = await BadRequestAsync(endpoint, body);

        problem.TryGetProperty("errors", out var errors).ShouldBeTrue($"{problem}");
        errors.EnumerateObject().Select(e => e.Name).ShouldBe(["body"], $"{problem}");
        problem.ToString().ShouldNotContain("System.", Case.Sensitive, "no .NET type names in the answer");
    }

    [Fact]
    public async Task A_body_of_another_media_type_is_a_415_problem()
    {
        using var client = await ClientAsync(Who.Operator);
        using var content = new StringContent("title=Hello", Encoding.UTF8, "text/plain");

        var response = await client.PostAsync("/api/messages", content);

        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32().ShouldBe(415);
    }

    [Fact]
    public async Task An_import_without_a_file_is_a_problem_naming_the_file()
    {
        using var client = await ClientAsync(Who.Operator);
        using var noFile = new MultipartFormDataContent { { new StringContent("x"), "other" } };
        using var json = new StringContent("{}", Encoding.UTF8, "application/json");

        var missing = await client.PostAsync("/api/contacts/import", noFile);
        var notAForm = await client.PostAsync("/api/contacts/import", json);

        missing.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        missing.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await missing.Content.ReadAsStringAsync()).ShouldContain("file");
        notAForm.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        notAForm.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Webhooks_keep_their_413_401_and_400_answers_as_problems()
    {
        using var client = app.NewClient();
        var tooBig = new string(' ', 1024 * 1024 + 1);

        var unsigned = await Webhook.PostAsync(client, "/webhooks/whatsapp", "{}", appSecret: null);
        var notJson = await Webhook.PostAsync(client, "/webhooks/whatsapp", "not json", AppFixture.WhatsAppAppSecret);
        var notAnObject = await Webhook.PostAsync(client, "/webhooks/messenger", "[1]", AppFixture.MessengerAppSecret);
        var large = await Webhook.PostAsync(client, "/webhooks/messenger", tooBig, AppFixture.MessengerAppSecret);

        foreach (var (response, status) in new[] { (unsigned, 401), (notJson, 400), (notAnObject, 400), (large, 413) })
        {
            ((int)response.StatusCode).ShouldBe(status);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32().ShouldBe(status);
        }
    }

    /// <summary>Sends the body and checks the answer is a 400 problem and that nothing changed; returns the problem.</summary>
    private async Task<JsonElement> BadRequestAsync(string endpointName, string body)
    {
        var endpoint = Endpoints[endpointName];
        using var client = await ClientAsync(endpoint.Who);
        var before = await SnapshotAsync();
        using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Path)
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await SnapshotAsync()).ShouldBe(before, "a refused request changes nothing");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>What a request could have created or changed, counted.</summary>
    private async Task<(int Messages, int Drafts, int Settings, int Activity)> SnapshotAsync()
    {
        await using var db = app.NewDbContext();
        return (await db.Messages.CountAsync(), await db.DraftRecipients.CountAsync(), await db.Settings.CountAsync(),
            await db.Activity.CountAsync(a => a.UserName == AppFixture.OperatorEmail || a.UserName == AppFixture.AdminEmail));
    }

    private static readonly ConcurrentDictionary<(Uri, Who), string> Tokens = new();

    private async Task<HttpClient> ClientAsync(Who who)
    {
        var client = app.NewClient();
        if (who == Who.Anonymous)
            return client;
        if (!Tokens.TryGetValue((app.BaseAddress, who), out var token))
        {
            token = who == Who.Admin
                ? await TestSupport.Login.BearerTokenAsync(client, AppFixture.AdminEmail, AppFixture.AdminPassword)
                : await TestSupport.Login.BearerTokenAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword);
            Tokens[(app.BaseAddress, who)] = token;
        }
        client.UseBearer(token);
        return client;
    }
}
