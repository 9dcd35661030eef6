using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace BulkSender.Web.Features.Security;

/// <summary>
/// Running behind a TLS proxy: X-Forwarded-For and X-Forwarded-Proto are believed from the proxies the
/// "ReverseProxy" section names (KnownProxies: addresses, KnownNetworks: CIDR ranges) and from this machine
/// (loopback), never from anyone else. The forwarded address is the client's for the login rate limit and the
/// logs; the forwarded scheme makes the request HTTPS (HSTS, Secure cookies).
/// </summary>
public static class ReverseProxy
{
    public const string Section = "ReverseProxy";

    public static IServiceCollection AddReverseProxySupport(this IServiceCollection services, IConfiguration configuration)
    {
        var proxies = Addresses(configuration, "KnownProxies", (string value, out IPAddress parsed) => IPAddress.TryParse(value, out parsed!));
        var networks = Addresses<System.Net.IPNetwork>(configuration, "KnownNetworks", System.Net.IPNetwork.TryParse);
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The defaults (loopback) stay: a proxy on the same machine is always believed.
            foreach (var proxy in proxies)
                o.KnownProxies.Add(proxy);
            foreach (var network in networks)
                o.KnownIPNetworks.Add(network);
        });
        return services;
    }

    private delegate bool Parser<T>(string value, out T parsed);

    /// <summary>A value that is not an address stops the app at start, naming the key.</summary>
    private static List<T> Addresses<T>(IConfiguration configuration, string key, Parser<T> parse)
    {
        var values = configuration.GetSection($"{Section}:{key}").Get<string[]>() ?? [];
        return values.Select(value => parse(value.Trim(), out var parsed)
            ? parsed
            : throw new InvalidOperationException($"{Section}:{key} has '{value}', which is not " +
                $"{(key == "KnownProxies" ? "an IP address" : "a network in CIDR form (10.0.0.0/8)")}."))
            .ToList();
    }
}
