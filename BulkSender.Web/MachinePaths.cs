namespace BulkSender.Web;

/// <summary>Paths that answer machines: they get status codes, never redirects or HTML error pages.</summary>
public static class MachinePaths
{
    private static readonly string[] Prefixes = ["/api", "/hubs", "/hangfire", "/health", "/webhooks"];

    public static bool Matches(PathString path) => Prefixes.Any(p => path.StartsWithSegments(p));
}
