using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BulkSender.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BulkSender.Tests.Web.Shared;

/// <summary>The built app in the Production environment, as its own process: what the API answers when things go wrong.</summary>
public sealed class ProductionApiErrorTests
{
    private const string AdminEmail = "admin@bulksender.local";
    private const string AdminPassword = "Admin-Prod-Secret-1";

    [Fact]
    public async Task In_production_every_api_error_is_a_json_problem_never_the_html_error_page()
    {
        var dir = RepoPaths.NewTempDirectory("production");
        var database = Path.Combine(dir, "app.db");
        await using var app = AppProcess.Start(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Sqlite"] = $"Data Source={database}",
            ["Seed__DemoContacts"] = "10",
            ["Seed__Admin__Password"] = AdminPassword,
            ["Seed__Operator__Password"] = "Operator-Prod-Secret-1",
        });
        using var http = new HttpClient { BaseAddress = await app.ListeningAsync(TimeSpan.FromSeconds(60)) };
        http.UseBearer(await Login.BearerTokenAsync(http, AdminEmail, AdminPassword));
        // A browser's Accept header: HTML first, anything else after.
        http.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        var badBody = await http.PostAsync("/api/messages",
            new StringContent("""{"title":"x","content":null}""", Encoding.UTF8, "application/json"));
        var unknownPath = await http.GetAsync("/api/no-such-thing");
        // Break the database under the running app: the next read of messages throws on the server.
        await using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE Messages RENAME TO Messages_gone;";
            await command.ExecuteNonQueryAsync();
        }
        var serverError = await http.GetAsync("/api/messages/1/report");

        badBody.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ProblemAsync(badBody)).GetProperty("errors").GetProperty("content")[0].GetString().ShouldBe("content must be a string (not null).");
        unknownPath.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ProblemAsync(unknownPath)).GetProperty("status").GetInt32().ShouldBe(404);
        serverError.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        var problem = await ProblemAsync(serverError);
        problem.GetProperty("status").GetInt32().ShouldBe(500);
        problem.GetProperty("title").GetString().ShouldBe("Something went wrong");
        problem.GetProperty("trace_id").GetString().ShouldNotBeNullOrEmpty();
        problem.ToString().ShouldNotContain("Messages", Case.Sensitive, "the cause is logged, not told");
        problem.ToString().ShouldNotContain("Sqlite", Case.Insensitive);
        (await app.WroteAsync("no such table: Messages", TimeSpan.FromSeconds(10))).ShouldBeTrue("the server logs what happened");
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
