using BulkSender.Tests.TestSupport;

namespace BulkSender.Tests.Web.Startup;

/// <summary>Runs the built app as its own process: start-up rules are about the whole process.</summary>
public sealed class StartupRuleTests
{
    private static Dictionary<string, string> Environment(string dir, string environment, string? adminPassword = null) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = environment,
        ["ConnectionStrings__Sqlite"] = $"Data Source={Path.Combine(dir, "app.db")}",
        ["Seed__DemoContacts"] = "10",
        ["Seed__Admin__Password"] = adminPassword ?? "Admin123!",
        ["Seed__Operator__Password"] = "Operator-Prod-Secret-1",
    };

    [Fact]
    public async Task Outside_development_the_app_refuses_to_start_while_an_account_has_its_default_password()
    {
        var dir = RepoPaths.NewTempDirectory("startup");
        await using var app = AppProcess.Start(Environment(dir, "Production"));

        var exitCode = await app.WaitForExitAsync(TimeSpan.FromSeconds(60));

        exitCode.ShouldNotBe(0);
        app.Output.ShouldContain("still has its default password");
        app.Output.ShouldContain("admin@bulksender.local");
        app.Output.ShouldNotContain("Now listening on");
    }

    [Fact]
    public async Task Outside_development_the_app_starts_once_passwords_are_changed()
    {
        var dir = RepoPaths.NewTempDirectory("startup");
        await using var app = AppProcess.Start(Environment(dir, "Production", adminPassword: "Admin-Prod-Secret-1"));

        var url = await app.ListeningAsync(TimeSpan.FromSeconds(60));

        using var http = new HttpClient { BaseAddress = url };
        (await http.GetAsync("/health")).IsSuccessStatusCode.ShouldBeTrue();
        app.Output.ShouldNotContain("Admin-Prod-Secret-1");
    }

    [Fact]
    public async Task A_bad_configuration_stops_the_app_with_a_clear_message()
    {
        var dir = RepoPaths.NewTempDirectory("startup");
        var environment = Environment(dir, "Development");
        environment["Database__Provider"] = "SqlServer";
        environment["ConnectionStrings__SqlServer"] = "";
        await using var app = AppProcess.Start(environment);

        var exitCode = await app.WaitForExitAsync(TimeSpan.FromSeconds(60));

        exitCode.ShouldNotBe(0);
        app.Output.ShouldContain("ConnectionStrings:SqlServer is empty");
    }
}
