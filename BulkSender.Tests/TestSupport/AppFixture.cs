using System.Globalization;
using System.Net;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Jobs;
using Hangfire;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.TestSupport;

/// <summary>
/// The real app on a real 127.0.0.1 port with its own SQLite file. Hangfire keeps process-wide state,
/// so every test class that uses a host shares this one through the <see cref="AppCollection"/>.
/// </summary>
public sealed class AppFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminEmail = "admin@test.local";
    public const string AdminPassword = "Admin-Test-123!";
    public const string OperatorEmail = "operator@test.local";
    public const string OperatorPassword = "Operator-Test-123!";
    public const int DemoContacts = 300;
    public const int MessengerRate = 20;

    // Webhook secrets only: no channel becomes "configured" by them, so sends stay simulated.
    public const string MessengerAppSecret = "messenger-test-app-secret";
    public const string MessengerVerifyToken = "messenger-test-verify-token";
    public const string WhatsAppAppSecret = "whatsapp-test-app-secret";
    public const string WhatsAppVerifyToken = "whatsapp-test-verify-token";

    private readonly string directory = RepoPaths.NewTempDirectory("app");

    public Uri BaseAddress { get; private set; } = null!;

    public string DatabasePath => Path.Combine(directory, "bulksender.db");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Sqlite", $"Data Source={DatabasePath}");
        builder.UseSetting("Seed:Admin:Email", AdminEmail);
        builder.UseSetting("Seed:Admin:Password", AdminPassword);
        builder.UseSetting("Seed:Operator:Email", OperatorEmail);
        builder.UseSetting("Seed:Operator:Password", OperatorPassword);
        builder.UseSetting("Seed:DemoContacts", DemoContacts.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Every test logs in from this one host's single client address: the limit is for attackers, and its own tests
        // (ProductionHostTests) run a host with a small one.
        builder.UseSetting("LoginRateLimit:Burst", "100000");
        builder.UseSetting("LoginRateLimit:PerMinute", "100000");
        builder.UseSetting("Channels:Messenger:AppSecret", MessengerAppSecret);
        builder.UseSetting("Channels:Messenger:VerifyToken", MessengerVerifyToken);
        builder.UseSetting("Channels:WhatsApp:AppSecret", WhatsAppAppSecret);
        builder.UseSetting("Channels:WhatsApp:VerifyToken", WhatsAppVerifyToken);
        // Fast providers for Email and WhatsApp; Messenger at 20 messages/s so a send lasts long enough to watch.
        builder.UseSetting("Channels:Simulated:LatencyMs", "2");
        builder.UseSetting("Channels:Simulated:LatencyJitterMs", "0");
        builder.UseSetting("Channels:RatePerSecond:Email", "0");
        builder.UseSetting("Channels:RatePerSecond:WhatsApp", "0");
        builder.UseSetting("Channels:RatePerSecond:Messenger", MessengerRate.ToString(CultureInfo.InvariantCulture));
        // Simulated delivered and read events within seconds, so a browser test watches the funnel move. No simulated
        // replies: a reply touches the contact (its last inbound time), and the contacts are shared by every test here.
        builder.UseSetting("Channels:Simulated:DeliveredAfter", "00:00:01");
        builder.UseSetting("Channels:Simulated:ReadAfter", "00:00:01");
        builder.UseSetting("Channels:Simulated:ReplyRate", "0");
        builder.UseSetting("Channels:Simulated:EventsInterval", "00:00:00.250");
        builder.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        // The tests speak plain HTTP to 127.0.0.1. Outside Development the login cookie is Secure, and an HTTP client
        // never sends a Secure cookie back; the Secure flag itself is tested on a Production process (ProxyTests).
        builder.ConfigureTestServices(s => s.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme,
            o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest));
    }

    public Task InitializeAsync()
    {
        UseKestrel();
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        return Task.CompletedTask;
    }

    /// <summary>A client of the real socket: cookies kept, redirects not followed, so tests see them.</summary>
    public HttpClient NewClient(bool followRedirects = false) =>
        new(new HttpClientHandler { AllowAutoRedirect = followRedirects, CookieContainer = new CookieContainer(), UseCookies = true })
        {
            BaseAddress = BaseAddress,
        };

    /// <summary>A client of the API logged in as the operator (bearer token).</summary>
    public async Task<HttpClient> NewOperatorClientAsync()
    {
        var client = NewClient();
        client.UseBearer(await Login.BearerTokenAsync(client, OperatorEmail, OperatorPassword));
        return client;
    }

    public AppDbContext NewDbContext() => Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();

    /// <summary>Waits until the job server has no batch job queued or running.</summary>
    public async Task WaitForIdleDispatchAsync(TimeSpan? timeout = null)
    {
        var monitor = Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (monitor.EnqueuedCount(JobQueues.Dispatch) > 0 || monitor.ProcessingJobs(0, 100).Any(j => j.Value.Job?.Type == typeof(SendBatchJob)))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("Batch jobs were still queued or running.");
            await Task.Delay(20);
        }
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        // Hangfire's log provider is process-wide and points at this host's LoggerFactory: let it go before the
        // factory is disposed, or Hangfire objects created later in this process (CoreHost) would throw.
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(null);
        await base.DisposeAsync();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "App";
}
