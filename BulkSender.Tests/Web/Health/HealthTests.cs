using System.Net;
using System.Text.Json;
using BulkSender.Tests.TestSupport;

namespace BulkSender.Tests.Web.Health;

[Collection(AppCollection.Name)]
public sealed class HealthTests(AppFixture app)
{
    [Fact]
    public async Task Health_reports_database_and_job_server_to_anonymous_callers_without_secrets()
    {
        using var client = app.NewClient();

        var response = await client.GetAsync("/health");
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        json.RootElement.GetProperty("status").GetString().ShouldBe("Healthy");
        var checks = json.RootElement.GetProperty("checks");
        checks.GetProperty("database").GetProperty("status").GetString().ShouldBe("Healthy");
        checks.GetProperty("jobs").GetProperty("status").GetString().ShouldBe("Healthy");
        body.ShouldNotContain("Data Source", Case.Insensitive);
        body.ShouldNotContain(app.DatabasePath);
        body.ShouldNotContain("Password", Case.Insensitive);
    }
}
