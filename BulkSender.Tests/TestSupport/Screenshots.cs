namespace BulkSender.Tests.TestSupport;

/// <summary>Screenshots the browser tests take along the way (docs/screenshots is what the README shows).</summary>
public static class Screenshots
{
    public static string PathFor(string name)
    {
        var dir = Path.Combine(RepoPaths.Root, "docs", "screenshots");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }
}
