using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace BulkSender.Tests.TestSupport;

/// <summary>The built app run as a separate process: for start-up rules, and for killing it mid-work.</summary>
public sealed partial class AppProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly TaskCompletionSource<Uri> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AppProcess(IDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", [RepoPaths.WebDll, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(RepoPaths.WebDll)!,
        };
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        // Raised on a pool thread, possibly after DisposeAsync disposed the process (HasExited can be true before the event
        // comes): reading ExitCode then throws, and an exception there would end the test host.
        process.Exited += (_, _) =>
        {
            if (listening.Task.IsCompleted)
                return;
            try
            {
                listening.TrySetException(new InvalidOperationException($"The app exited with code {process.ExitCode}:\n{Output}"));
            }
            catch (InvalidOperationException)
            {
                listening.TrySetException(new InvalidOperationException($"The app exited:\n{Output}"));
            }
        };
    }

    public string Output { get { lock (output) return output.ToString(); } }

    /// <summary>
    /// Waits until the process has written <paramref name="text"/> (its console logger writes on a thread of its own,
    /// so a line can come after the response that caused it); false when the timeout passed first.
    /// </summary>
    public async Task<bool> WroteAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || HasExited)
                return Output.Contains(text, StringComparison.Ordinal);
            await Task.Delay(20);
        }
        return true;
    }

    public bool HasExited => process.HasExited;

    /// <summary>The process id (what a batch's <c>ClaimedBy</c> names).</summary>
    public int Id => process.Id;

    public int ExitCode => process.ExitCode;

    public static AppProcess Start(IDictionary<string, string> environment)
    {
        var app = new AppProcess(environment);
        app.process.Start();
        app.process.BeginOutputReadLine();
        app.process.BeginErrorReadLine();
        return app;
    }

    public Task<Uri> ListeningAsync(TimeSpan timeout) => listening.Task.WaitAsync(timeout);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        // The process has exited; this overload also waits until its redirected output has been read to the end.
        process.WaitForExit();
        return process.ExitCode;
    }

    public void Kill() => process.Kill(entireProcessTree: true);

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (output)
            output.AppendLine(line);
        var match = ListeningLine().Match(line);
        if (match.Success)
            listening.TrySetResult(new Uri(match.Groups[1].Value));
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
