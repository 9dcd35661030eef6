using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Security;

namespace BulkSender.Tests.Web.Security;

/// <summary>The built app in Production, as its own process, reached as through a TLS proxy on the same machine.</summary>
public sealed partial class ProductionHostTests(ProductionHostTests.Host host) : IClassFixture<ProductionHostTests.Host>
{
    private const string AdminEmail = "admin@bulksender.local";
    private const string AdminPassword = "Admin-Prod-Secret-1";

    public sealed class Host : IAsyncLifetime
    {
        private AppProcess? process;

        public Uri BaseAddress { get; private set; } = null!;

        public string Output => process!.Output;

        public async Task InitializeAsync()
        {
            var dir = RepoPaths.NewTempDirectory("production");
            process = AppProcess.Start(new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__Sqlite"] = $"Data Source={Path.Combine(dir, "app.db")}",
                ["Seed__DemoContacts"] = "0",
                ["Seed__Admin__Password"] = AdminPassword,
                ["Seed__Operator__Password"] = "Operator-Prod-Secret-1",
                ["LoginRateLimit__Burst"] = "3",
                ["LoginRateLimit__PerMinute"] = "1",
            });
            BaseAddress = await process.ListeningAsync(TimeSpan.FromSeconds(90));
        }

        public async Task DisposeAsync() => await process!.DisposeAsync();
    }

    /// <summary>A client as the proxy forwards it: this client address, and HTTPS when the proxy says so. Cookies by hand.</summary>
    private HttpClient Client(string clientAddress, bool https = false)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", clientAddress);
        if (https)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
            client.DefaultRequestHeaders.Host = "bulksender.example";
        }
        return client;
    }

    /// <summary>Posts the real login form, carrying the cookies of the form's page.</summary>
    private static async Task<HttpResponseMessage> PostLoginFormAsync(HttpClient client, string email, string password)
    {
        var page = await client.GetAsync("/account/login");
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        var token = AntiforgeryToken().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        var cookies = string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var post = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login", ["__RequestVerificationToken"] = token, ["Input.Email"] = email, ["Input.Password"] = password,
            }),
        };
        post.Headers.Add("Cookie", cookies);
        return await client.SendAsync(post);
    }

    [Fact]
    public async Task Https_through_the_proxy_gets_hsts_and_the_login_cookie_is_always_secure()
    {
        using var proxied = Client("203.0.113.1", https: true);
        using var plain = Client("203.0.113.2");

        var overHttps = await proxied.GetAsync("/account/login");
        var overHttp = await plain.GetAsync("/account/login");
        var login = await PostLoginFormAsync(plain, AdminEmail, AdminPassword);

        overHttps.Headers.GetValues("Strict-Transport-Security").Single().ShouldBe("max-age=31536000");
        overHttp.Headers.Contains("Strict-Transport-Security").ShouldBeFalse("HSTS only means something over HTTPS");
        login.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("BulkSender.Auth=", StringComparison.Ordinal));
        cookie.ShouldContain("; secure", Case.Insensitive);
        cookie.ShouldContain("; httponly", Case.Insensitive);
    }

    [Fact]
    public async Task Login_attempts_are_limited_per_client_address_with_429_and_retry_after()
    {
        using var client = Client("203.0.113.10");
        using var neighbour = Client("203.0.113.11");
        var attempt = new { email = AdminEmail, password = "not-the-password" };

        for (var i = 0; i < 3; i++)
            (await client.PostAsJsonAsync("/api/auth/login", attempt)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"attempt {i + 1}");
        var refused = await client.PostAsJsonAsync("/api/auth/login", attempt);
        var form = await PostLoginFormAsync(client, AdminEmail, AdminPassword);

        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        int.Parse(refused.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture).ShouldBeInRange(1, 60);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString().ShouldBe("Too many login attempts");
        form.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests, "the form counts with the API: one budget per address");
        form.Headers.Contains("Retry-After").ShouldBeTrue();
        (await form.Content.ReadAsStringAsync()).ShouldContain("Too many login attempts from your address.");
        (await neighbour.PostAsJsonAsync("/api/auth/login", attempt)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized,
            "another address has its own budget");
    }

    [Fact]
    public void Without_a_key_certificate_the_start_up_warning_says_what_to_configure()
    {
        host.Output.ShouldContain(DataProtectionKeys.UnprotectedWarning);
        DataProtectionKeys.UnprotectedWarning.ShouldContain("DataProtection:CertificatePath");
        DataProtectionKeys.UnprotectedWarning.ShouldContain("DataProtection:CertificatePassword");
    }

    [Fact]
    public async Task A_proxy_setting_that_is_not_an_address_stops_the_app_naming_it()
    {
        var dir = RepoPaths.NewTempDirectory("proxy");
        await using var app = AppProcess.Start(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Sqlite"] = $"Data Source={Path.Combine(dir, "app.db")}",
            ["ReverseProxy__KnownNetworks__0"] = "10.0.0.0/40",
        });

        (await app.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldNotBe(0);
        app.Output.ShouldContain("ReverseProxy:KnownNetworks has '10.0.0.0/40', which is not a network in CIDR form");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
