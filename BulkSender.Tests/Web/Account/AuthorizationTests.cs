using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BulkSender.Tests.TestSupport;

namespace BulkSender.Tests.Web.Account;

[Collection(AppCollection.Name)]
public sealed class AuthorizationTests(AppFixture app)
{
    public enum Who { Anonymous, Operator, Admin }

    // Who × (a page, an admin page, an API route, the Hangfire dashboard) → the answer.
    public static TheoryData<Who, string, HttpStatusCode, string?> Rules => new()
    {
        { Who.Anonymous, "/", HttpStatusCode.Redirect, "/account/login" },
        { Who.Anonymous, "/contacts", HttpStatusCode.Redirect, "/account/login" },
        { Who.Anonymous, "/settings", HttpStatusCode.Redirect, "/account/login" },
        { Who.Anonymous, "/users", HttpStatusCode.Redirect, "/account/login" },
        { Who.Anonymous, "/api/me", HttpStatusCode.Unauthorized, null },
        { Who.Anonymous, "/hangfire", HttpStatusCode.Redirect, "/account/login" },
        { Who.Operator, "/", HttpStatusCode.OK, null },
        { Who.Operator, "/contacts", HttpStatusCode.OK, null },
        { Who.Operator, "/settings", HttpStatusCode.Redirect, "/account/access-denied" },
        { Who.Operator, "/users", HttpStatusCode.Redirect, "/account/access-denied" },
        { Who.Operator, "/activity", HttpStatusCode.OK, null },
        { Who.Operator, "/api/me", HttpStatusCode.OK, null },
        { Who.Operator, "/hangfire", HttpStatusCode.Forbidden, null },
        { Who.Admin, "/", HttpStatusCode.OK, null },
        { Who.Admin, "/contacts", HttpStatusCode.OK, null },
        { Who.Admin, "/settings", HttpStatusCode.OK, null },
        { Who.Admin, "/users", HttpStatusCode.OK, null },
        { Who.Admin, "/activity", HttpStatusCode.OK, null },
        { Who.Admin, "/api/me", HttpStatusCode.OK, null },
        { Who.Admin, "/hangfire", HttpStatusCode.OK, null },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task Every_page_and_api_needs_a_login_and_admin_pages_refuse_operators(Who who, string path, HttpStatusCode expected,
        string? redirectTo)
    {
        using var client = app.NewClient();
        if (who == Who.Operator)
            await Login.AsAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        if (who == Who.Admin)
            await Login.AsAsync(client, AppFixture.AdminEmail, AppFixture.AdminPassword);

        var response = await client.GetAsync(path);

        response.StatusCode.ShouldBe(expected);
        if (redirectTo is not null)
            response.Headers.Location!.AbsolutePath.ShouldBe(redirectTo);
    }

    [Fact]
    public async Task Access_denied_page_answers_403()
    {
        using var client = app.NewClient();
        await Login.AsAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        var response = await client.GetAsync("/account/access-denied");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldContain("Access denied");
    }

    [Fact]
    public async Task Wrong_password_shows_an_error_and_sets_no_cookie()
    {
        using var client = app.NewClient();
        var response = await Login.PostFormAsync(client, AppFixture.OperatorEmail, "not-the-password");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("Wrong e-mail or password.");
        (await client.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Login_return_url_only_goes_to_local_paths()
    {
        BulkSender.Web.Features.Account.LoginPage.SafeReturnUrl("/messages/3").ShouldBe("/messages/3");
        BulkSender.Web.Features.Account.LoginPage.SafeReturnUrl("https://evil.example/").ShouldBe("/");
        BulkSender.Web.Features.Account.LoginPage.SafeReturnUrl("//evil.example/").ShouldBe("/");
        BulkSender.Web.Features.Account.LoginPage.SafeReturnUrl(null).ShouldBe("/");
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Api_accepts_a_bearer_token_from_api_auth_login()
    {
        using var client = app.NewClient();
        var token = await Login.BearerTokenAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        client.UseBearer(token);

        var me = await client.GetFromJsonAsync<MeResponse>("/api/me", TestJson.Options);

        (await client.GetStringAsync("/api/me")).ShouldContain("\"is_admin\":false", Case.Sensitive, "the API answers snake_case");
        me!.Name.ShouldBe(AppFixture.OperatorEmail);
        me.IsAdmin.ShouldBeFalse();
        me.Roles.ShouldBe(["Operator"]);
        (await client.GetAsync("/hangfire")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Api_login_answers_the_token_in_snake_case()
    {
        using var client = app.NewClient();

        var response = await client.PostAsJsonAsync("/api/auth/login",
            new { email = AppFixture.OperatorEmail, password = AppFixture.OperatorPassword });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var token = await response.Content.ReadFromJsonAsync<JsonElement>();
        token.EnumerateObject().Select(p => p.Name).ShouldBe(["token_type", "access_token", "expires_in", "refresh_token"], ignoreOrder: true);
        token.GetProperty("token_type").GetString().ShouldBe("Bearer");
    }

    [Fact]
    public async Task Api_login_refuses_a_wrong_password_and_malformed_input()
    {
        using var client = app.NewClient();

        var wrong = await client.PostAsJsonAsync("/api/auth/login", new { email = AppFixture.AdminEmail, password = "nope-nope" });
        wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var malformed = await client.PostAsJsonAsync("/api/auth/login", new { email = "not-an-email", password = "" });
        malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await malformed.Content.ReadAsStringAsync();
        problem.ShouldContain("email");
        problem.ShouldContain("password");
    }

    [Fact]
    public async Task A_forged_bearer_token_is_refused()
    {
        using var client = app.NewClient();
        client.UseBearer("CfDJ8-forged-token");

        (await client.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private sealed record MeResponse(string Name, bool IsAdmin, string[] Roles);
}
