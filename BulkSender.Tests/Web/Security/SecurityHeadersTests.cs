using System.Net;
using System.Text.RegularExpressions;
using BulkSender.Tests.TestSupport;

namespace BulkSender.Tests.Web.Security;

[Collection(AppCollection.Name)]
public sealed partial class SecurityHeadersTests(AppFixture app)
{
    public static TheoryData<string, bool> Paths => new()
    {
        // path, logged in as admin
        { "/account/login", false },
        { "/", false },
        { "/", true },
        { "/contacts", true },
        { "/api/me", false },
        { "/api/me", true },
        { "/hangfire", true },
        { "/hangfire", false },
        { "/health", false },
        { "/not-a-page", true },
        { "/app.css", false },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Every_response_carries_nosniff_a_referrer_policy_and_refuses_framing(string path, bool loggedIn)
    {
        using var client = app.NewClient();
        if (loggedIn)
            await Login.AsAsync(client, AppFixture.AdminEmail, AppFixture.AdminPassword);

        var response = await client.GetAsync(path);

        Header(response, "X-Content-Type-Options").ShouldBe("nosniff");
        Header(response, "Referrer-Policy").ShouldBe("strict-origin-when-cross-origin");
        Header(response, "X-Frame-Options").ShouldBe("DENY");
        var csp = Directives(response);
        csp["frame-ancestors"].ShouldBe("'none'");
        csp["default-src"].ShouldBe("'self'");
        csp["object-src"].ShouldBe("'none'");
    }

    [Fact]
    public async Task Pages_allow_the_apps_own_scripts_and_blazors_import_map_by_nonce_and_mudblazors_inline_styles()
    {
        using var client = app.NewClient();
        await Login.AsAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        var response = await client.GetAsync("/contacts");
        var html = await response.Content.ReadAsStringAsync();

        var csp = Directives(response);
        var nonce = ImportMapNonce().Match(html).Groups[1].Value;
        nonce.ShouldNotBeEmpty("the inline import map carries the nonce");
        csp["script-src"].ShouldBe($"'self' 'nonce-{WebUtility.HtmlDecode(nonce)}'");
        csp["style-src"].ShouldBe("'self' 'unsafe-inline'");
        csp["connect-src"].ShouldBe("'self'");
        csp["form-action"].ShouldBe("'self'");
        csp["base-uri"].ShouldBe("'self'");
        // Another request, another nonce.
        Directives(await client.GetAsync("/contacts"))["script-src"].ShouldNotBe(csp["script-src"]);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    private static Dictionary<string, string> Directives(HttpResponseMessage response)
    {
        var csp = Header(response, "Content-Security-Policy");
        csp.ShouldNotBeEmpty();
        return csp.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => d.Split(' ', 2))
            .ToDictionary(d => d[0], d => d.Length > 1 ? d[1] : "");
    }

    [GeneratedRegex("<script(?=[^>]*type=\"importmap\")[^>]*nonce=\"([^\"]+)\"")]
    private static partial Regex ImportMapNonce();
}
