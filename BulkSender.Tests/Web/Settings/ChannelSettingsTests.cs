using System.Net;
using System.Net.Http.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Settings;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Web.Settings;

[Collection(AppCollection.Name)]
public sealed class ChannelSettingsTests(AppFixture app)
{
    private const string Api = "/api/settings/channels";

    private async Task<HttpClient> AdminAsync()
    {
        var client = app.NewClient();
        await Login.AsAsync(client, AppFixture.AdminEmail, AppFixture.AdminPassword);
        return client;
    }

    private static Task<HttpResponseMessage> SaveAsync(HttpClient client, ChannelKind channel, Dictionary<string, string?> values,
        params string[] clear) =>
        client.PutAsJsonAsync($"{Api}/{channel}", new SettingsEndpoints.SaveRequest(values, clear.ToList()));

    [Fact]
    public async Task A_saved_secret_is_stored_encrypted_shown_masked_and_logged_by_name_only()
    {
        const string secret = "smtp-password-never-shown-7731";
        using var client = await AdminAsync();
        try
        {
            (await SaveAsync(client, ChannelKind.Email, new() { ["Password"] = secret, ["Port"] = "2525" })).StatusCode.ShouldBe(HttpStatusCode.OK);

            await using (var db = app.NewDbContext())
            {
                var row = await db.Settings.SingleAsync(s => s.Key == "Channels:Email:Password");
                row.IsProtected.ShouldBeTrue();
                row.Value.ShouldNotContain(secret);
                (await db.Settings.SingleAsync(s => s.Key == "Channels:Email:Port")).Value.ShouldBe("2525");
                var entry = await db.Activity.OrderByDescending(a => a.Id).FirstAsync(a => a.Action == "channel.settings_changed");
                entry.Details.ShouldBe("Email: SMTP port, Password");
            }

            var api = await client.GetStringAsync(Api);
            api.ShouldNotContain(secret);
            var email = (await client.GetFromJsonAsync<List<SettingsEndpoints.ChannelSettingsResponse>>(Api, TestJson.Options))!
                .Single(c => c.Channel == ChannelKind.Email);
            email.Settings.Single(s => s.Name == "Password").Value.ShouldBe("••••7731");
            email.Settings.Single(s => s.Name == "Port").Source.ShouldBe(SettingSource.Database);

            var page = System.Net.WebUtility.HtmlDecode(await client.GetStringAsync("/settings"));
            page.ShouldNotContain(secret);
            page.ShouldContain("••••7731");
            page.ShouldContain("Retry policy");
        }
        finally
        {
            await SaveAsync(client, ChannelKind.Email, new() { ["Port"] = "" }, "Password");
        }

        await using var after = app.NewDbContext();
        (await after.Settings.AnyAsync(s => s.Key == "Channels:Email:Password" || s.Key == "Channels:Email:Port")).ShouldBeFalse();
    }

    [Fact]
    public async Task Invalid_urls_ports_and_addresses_are_refused_with_reasons_and_nothing_is_stored()
    {
        using var client = await AdminAsync();

        var response = await SaveAsync(client, ChannelKind.Email, new()
        {
            ["Port"] = "70000",
            ["FromAddress"] = "not-an-address",
            ["PublicBaseUrl"] = "ftp://example.org",
            ["Security"] = "Sometimes",
            ["Host"] = "smtp.example.org",
        });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ValidationProblemDetails>();
        problem!.Errors.Keys.ShouldBe(["Port", "FromAddress", "PublicBaseUrl", "Security"], ignoreOrder: true);
        problem.Errors["Port"].Single().ShouldContain("from 1 to 65535");
        await using var db = app.NewDbContext();
        (await db.Settings.AnyAsync(s => s.Key.StartsWith("Channels:Email:"))).ShouldBeFalse();
    }

    [Fact]
    public async Task Send_test_message_goes_through_the_real_adapter_and_reports_the_providers_answer()
    {
        await using var cloudApi = await ProviderServer.StartAsync();
        using var client = await AdminAsync();
        try
        {
            (await SaveAsync(client, ChannelKind.WhatsApp, new()
            {
                ["BaseUrl"] = cloudApi.BaseAddress.ToString(),
                ["PhoneNumberId"] = "106540352242922",
                ["AccessToken"] = "EAAJ-settings-test-token",
            })).StatusCode.ShouldBe(HttpStatusCode.OK);

            cloudApi.AnswerJson(200,
                """{"messaging_product":"whatsapp","contacts":[{"input":"14155550123","wa_id":"14155550123"}],"messages":[{"id":"wamid.TEST1"}]}""");
            var sent = await client.PostAsJsonAsync($"{Api}/WhatsApp/test", new SettingsEndpoints.TestRequest("+14155550123", "Hello"));
            var ok = await sent.Content.ReadFromJsonAsync<SettingsEndpoints.TestResponse>(TestJson.Options);
            (await sent.Content.ReadAsStringAsync())
                .ShouldContain("\"provider_message_id\":\"wamid.TEST1\"", Case.Sensitive, "the API answers snake_case");

            cloudApi.AnswerJson(400, ProviderServer.GraphError(131026, "Message undeliverable."));
            var refused = await (await client.PostAsJsonAsync($"{Api}/whatsapp/test", new SettingsEndpoints.TestRequest("+14155550123", "Hello")))
                .Content.ReadFromJsonAsync<SettingsEndpoints.TestResponse>(TestJson.Options);

            var badAddress = await client.PostAsJsonAsync($"{Api}/WhatsApp/test", new SettingsEndpoints.TestRequest("not a number", "Hello"));

            ok.ShouldBe(new SettingsEndpoints.TestResponse(true, "wamid.TEST1", null, null, null));
            (refused!.Succeeded, refused.ErrorCode, refused.ErrorType).ShouldBe((false, "131026", ErrorType.InvalidRecipient));
            badAddress.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            cloudApi.Requests.Count.ShouldBe(2);
            cloudApi.Requests.First().Authorization.ShouldBe("Bearer EAAJ-settings-test-token");
        }
        finally
        {
            await SaveAsync(client, ChannelKind.WhatsApp, new() { ["BaseUrl"] = "", ["PhoneNumberId"] = "" }, "AccessToken");
        }
    }

    [Fact]
    public async Task Two_parallel_first_saves_of_a_channel_setting_both_succeed_or_conflict_never_500()
    {
        using var first = await AdminAsync();
        using var second = await AdminAsync();
        var statuses = new List<HttpStatusCode>();
        try
        {
            for (var round = 0; round < 25; round++)
            {
                (await SaveAsync(first, ChannelKind.Email, new() { ["FromName"] = "" })).StatusCode.ShouldBe(HttpStatusCode.OK);
                await using (var db = app.NewDbContext())
                    (await db.Settings.AnyAsync(s => s.Key == "Channels:Email:FromName")).ShouldBeFalse();

                var answers = await Task.WhenAll(
                    SaveAsync(first, ChannelKind.Email, new() { ["FromName"] = $"First {round}" }),
                    SaveAsync(second, ChannelKind.Email, new() { ["FromName"] = $"Second {round}" }));

                foreach (var answer in answers)
                {
                    statuses.Add(answer.StatusCode);
                    answer.StatusCode.ShouldBeOneOf([HttpStatusCode.OK, HttpStatusCode.Conflict], await answer.Content.ReadAsStringAsync());
                }
                await using var after = app.NewDbContext();
                (await after.Settings.SingleAsync(s => s.Key == "Channels:Email:FromName")).Value.ShouldBeOneOf($"First {round}", $"Second {round}");
            }
        }
        finally
        {
            await SaveAsync(first, ChannelKind.Email, new() { ["FromName"] = "" });
        }
        // Without a version neither request asked to be refused over the other: both are saved, one after the other.
        statuses.ShouldAllBe(s => s == HttpStatusCode.OK);
    }

    private static async Task<long> VersionAsync(HttpClient client, ChannelKind channel) =>
        (await client.GetFromJsonAsync<SettingsEndpoints.ChannelSettingsResponse>($"{Api}/{channel}", TestJson.Options))!.Version;

    private static Task<HttpResponseMessage> SaveOnAsync(HttpClient client, long version, string fromName) =>
        client.PutAsJsonAsync($"{Api}/Email", new SettingsEndpoints.SaveRequest(new() { ["FromName"] = fromName }, null, version));

    private async Task<string?> StoredFromNameAsync()
    {
        await using var db = app.NewDbContext();
        return await db.Settings.Where(s => s.Key == "Channels:Email:FromName").Select(s => s.Value).SingleOrDefaultAsync();
    }

    [Fact]
    public async Task A_stale_channel_settings_save_is_refused_with_409_and_changes_nothing()
    {
        using var client = await AdminAsync();
        try
        {
            var opened = await VersionAsync(client, ChannelKind.Email);

            var first = await SaveOnAsync(client, opened, "Newsletter team");
            var stale = await SaveOnAsync(client, opened, "Stale form");

            first.StatusCode.ShouldBe(HttpStatusCode.OK);
            var saved = await first.Content.ReadFromJsonAsync<SettingsEndpoints.SaveResponse>(TestJson.Options);
            saved!.Version.ShouldBeGreaterThan(opened);
            (await VersionAsync(client, ChannelKind.Email)).ShouldBe(saved.Version);
            stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            var problem = await stale.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>();
            problem!.Detail.ShouldBe(ChannelSettingsStore.ChangedMessage);
            (await StoredFromNameAsync()).ShouldBe("Newsletter team");
            (await SaveOnAsync(client, saved.Version, "Current form")).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await StoredFromNameAsync()).ShouldBe("Current form");
        }
        finally
        {
            await SaveAsync(client, ChannelKind.Email, new() { ["FromName"] = "" });
        }
    }

    [Fact]
    public async Task Two_parallel_first_saves_on_the_same_version_save_one_and_refuse_the_other_with_409()
    {
        using var first = await AdminAsync();
        using var second = await AdminAsync();
        try
        {
            for (var round = 0; round < 10; round++)
            {
                (await SaveAsync(first, ChannelKind.Email, new() { ["FromName"] = "" })).StatusCode.ShouldBe(HttpStatusCode.OK);
                var version = await VersionAsync(first, ChannelKind.Email);

                var answers = await Task.WhenAll(SaveOnAsync(first, version, $"First {round}"), SaveOnAsync(second, version, $"Second {round}"));

                answers.Select(a => a.StatusCode).Order().ShouldBe([HttpStatusCode.OK, HttpStatusCode.Conflict]);
                (await StoredFromNameAsync()).ShouldBe(answers[0].StatusCode == HttpStatusCode.OK ? $"First {round}" : $"Second {round}");
            }
        }
        finally
        {
            await SaveAsync(first, ChannelKind.Email, new() { ["FromName"] = "" });
        }
    }

    [Theory]
    [InlineData("GET", Api)]
    [InlineData("GET", Api + "/Email")]
    [InlineData("PUT", Api + "/Email")]
    [InlineData("POST", Api + "/Email/test")]
    public async Task Operators_get_403_from_every_settings_endpoint(string method, string path)
    {
        using var client = app.NewClient();
        await Login.AsAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) });

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Operators_are_refused_the_settings_page()
    {
        using var client = app.NewClient();
        await Login.AsAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        var redirect = await client.GetAsync("/settings");
        var response = await client.GetAsync(redirect.Headers.Location);

        redirect.Headers.Location!.AbsolutePath.ShouldBe("/account/access-denied");
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldNotContain("SMTP host");
    }
}
