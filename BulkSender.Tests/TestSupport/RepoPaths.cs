namespace BulkSender.Tests.TestSupport;

public static class RepoPaths
{
    /// <summary>The repository root: the folder holding BulkSender.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration the tests were built with (Debug or Release).</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    /// <summary>The web app's own build output, to run it as a separate process.</summary>
    public static string WebDll => Path.Combine(Root, "BulkSender.Web", "bin", Configuration, "net10.0", "BulkSender.Web.dll");

    public static string NewTempDirectory(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), "bulksender-tests", $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BulkSender.sln")))
                return dir.FullName;
        throw new InvalidOperationException("BulkSender.sln not found above " + AppContext.BaseDirectory);
    }
}
