using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BulkSender.Core.Data;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Security;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Web.Security;

/// <summary>Data Protection keys at rest, on the built app run as its own process with a certificate made here.</summary>
public sealed class DataProtectionKeyTests
{
    private const string CertificatePassword = "pfx-Pass-123";

    private readonly string dir = RepoPaths.NewTempDirectory("keys");

    private string Database => Path.Combine(dir, "app.db");

    private string NewCertificate()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=BulkSender keys (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(dir, "keys.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, CertificatePassword));
        return path;
    }

    private AppProcess Start(string? certificate, string password = CertificatePassword)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Sqlite"] = $"Data Source={Database}",
            ["Seed__DemoContacts"] = "0",
        };
        if (certificate is not null)
        {
            environment["DataProtection__CertificatePath"] = certificate;
            environment["DataProtection__CertificatePassword"] = password;
        }
        return AppProcess.Start(environment);
    }

    private async Task<List<string>> StoredKeysAsync()
    {
        await using var db = new SqliteDbContext(
            new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite($"Data Source={Database};Pooling=False").Options);
        return await db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync();
    }

    [Fact]
    public async Task With_a_certificate_the_stored_keys_are_encrypted_and_read_back_after_a_restart()
    {
        var certificate = NewCertificate();
        var cookies = new CookieContainer();
        await using (var first = Start(certificate))
        {
            using var client = new HttpClient(new HttpClientHandler
            {
                CookieContainer = cookies,
                AllowAutoRedirect = false
            })
            { BaseAddress = await first.ListeningAsync(TimeSpan.FromSeconds(90)) };
            await Login.AsAsync(client, "admin@bulksender.local", "Admin123!");
            first.Output.ShouldNotContain(DataProtectionKeys.UnprotectedWarning);
        }

        var key = (await StoredKeysAsync()).ShouldHaveSingleItem();
        key.ShouldContain("<encryptedSecret");
        key.ShouldContain("EncryptedData");
        key.ShouldNotContain("<masterKey", customMessage: "the key material is never stored in the clear");

        await using var second = Start(certificate);
        var address = await second.ListeningAsync(TimeSpan.FromSeconds(90));
        var cookie = cookies.GetCookies(new Uri("http://127.0.0.1/"))["BulkSender.Auth"]!.Value;
        using var replay = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = address };
        replay.DefaultRequestHeaders.Add("Cookie", $"BulkSender.Auth={cookie}");
        (await replay.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK,
            "the restarted app decrypted the key and read the cookie it protects");
        (await StoredKeysAsync()).Count.ShouldBe(1, "no new key was needed");
    }

    [Fact]
    public async Task A_wrong_certificate_password_stops_the_app_with_a_clear_message()
    {
        await using var app = Start(NewCertificate(), password: "not-the-password");

        (await app.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldNotBe(0);
        app.Output.ShouldContain("could not be opened");
        app.Output.ShouldContain("Check DataProtection:CertificatePassword");
        app.Output.ShouldNotContain("Now listening on");
    }

    [Fact]
    public async Task A_certificate_path_without_a_file_stops_the_app_with_a_clear_message()
    {
        var missing = Path.Combine(dir, "missing.pfx");
        await using var app = Start(missing);

        (await app.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldNotBe(0);
        app.Output.ShouldContain($"DataProtection:CertificatePath is '{missing}', but there is no such file.");
        app.Output.ShouldNotContain("Now listening on");
    }
}
