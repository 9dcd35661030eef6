using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BulkSender.Core.Data;
using Microsoft.AspNetCore.DataProtection;

namespace BulkSender.Web.Features.Security;

/// <summary>
/// ASP.NET Core Data Protection (login cookies, antiforgery, stored channel secrets, unsubscribe links) keeps its keys
/// in the database, so every instance shares them. With "DataProtection:CertificatePath" (a .pfx file with a private
/// key) and "DataProtection:CertificatePassword" the keys are encrypted with that certificate before they are stored,
/// and read back with it. A certificate that cannot be opened stops the app at start; no certificate is allowed, with a
/// warning at start that says what to set.
/// </summary>
public static class DataProtectionKeys
{
    public const string Section = "DataProtection";
    public const string PathKey = Section + ":CertificatePath";
    public const string PasswordKey = Section + ":CertificatePassword";

    public const string UnprotectedWarning =
        "Data Protection keys are stored unencrypted in the database (table DataProtectionKeys). To encrypt them at rest, set " +
        PathKey + " to a .pfx file holding a certificate with its private key and " + PasswordKey + " to its password.";

    public static IServiceCollection AddDataProtectionKeys(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var keys = services.AddDataProtection().SetApplicationName("BulkSender").PersistKeysToDbContext<AppDbContext>();
        if (configuration[PathKey] is { Length: > 0 } path)
            keys.ProtectKeysWithCertificate(Load(Path.GetFullPath(path, contentRoot), configuration[PasswordKey]));
        else
            services.AddHostedService<UnprotectedKeysWarning>();
        return services;
    }

    private static X509Certificate2 Load(string path, string? password)
    {
        if (!File.Exists(path))
            throw new InvalidOperationException(
                $"{PathKey} is '{path}', but there is no such file. Point it to a .pfx file, or leave it empty to store the keys unencrypted.");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(
                $"The certificate {PathKey} '{path}' could not be opened ({ex.Message}). Check {PasswordKey}, the password of the .pfx file.", ex);
        }
        // XML encryption wraps the keys with RSA; without the private key they could never be read back.
        using var rsa = certificate.GetRSAPrivateKey();
        if (rsa is null)
            throw new InvalidOperationException(
                $"The certificate {PathKey} '{path}' has no RSA private key. Use an RSA certificate exported with its private key (.pfx).");
        return certificate;
    }

    private sealed class UnprotectedKeysWarning(ILogger<UnprotectedKeysWarning> log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            log.LogWarning(UnprotectedWarning);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
