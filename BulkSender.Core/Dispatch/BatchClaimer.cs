using System.Diagnostics;
using System.Globalization;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// Who holds a batch (<see cref="MessageBatch.ClaimedBy"/>): <c>machine:process id:process start ticks:run id</c>. A
/// claimer is known dead, and its batches are taken back at once instead of after <see cref="DispatchOptions.StaleAfter"/>,
/// when it is on this machine and its process is gone (or its id now belongs to a process started at another time),
/// or when it is on another machine and the shared job storage lists no Hangfire server of its process
/// (<see cref="Jobs.JobServerList"/>: each server is named after its process, <see cref="ProcessIdentity"/>).
/// <see cref="DispatchOptions.StaleAfter"/> stays for the claimers nobody can check (another machine in SQLite mode, a
/// hung process, older claims).
/// </summary>
public static class BatchClaimer
{
    private static readonly long StartTicks = StartOf(Process.GetCurrentProcess())?.Ticks ?? 0;

    /// <summary>
    /// This process: <c>machine:process id:process start ticks</c>, the start of its claimer names and its Hangfire
    /// server's name.
    /// </summary>
    public static string ProcessIdentity { get; } =
        string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}:{StartTicks}");

    /// <summary>A new claimer name for one run of a batch job in this process.</summary>
    public static string NewRun() => string.Create(CultureInfo.InvariantCulture, $"{ProcessIdentity}:{Guid.NewGuid():N}");

    /// <summary>
    /// True when <paramref name="claimedBy"/> names a process of this machine that no longer runs, or a process of another
    /// machine with no server in <paramref name="servers"/> (the ids of the Hangfire servers the shared job storage lists;
    /// null: unknown). False when it runs, when it cannot be checked, or when the name cannot be read (older claims:
    /// machine:pid:run).
    /// </summary>
    public static bool IsKnownDead(string? claimedBy, IReadOnlyList<string>? servers = null)
    {
        var parts = claimedBy?.Split(':');
        if (parts is not { Length: >= 3 } || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            return false;
        if (!string.Equals(parts[0], Environment.MachineName, StringComparison.OrdinalIgnoreCase))
            return parts.Length >= 4 && servers is not null && !HasServer(string.Join(':', parts[..3]), servers);
        var recorded = parts.Length >= 4 && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? new DateTime(ticks, DateTimeKind.Utc)
            : (DateTime?)null;
        if (pid == Environment.ProcessId)
            return recorded is { } at && !SameStart(at, new DateTime(StartTicks, DateTimeKind.Utc));
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited)
                return true;
            // The id was given to a newer process after the claimer died.
            return recorded is { } at && StartOf(process) is { } started && !SameStart(at, started);
        }
        catch (ArgumentException)
        {
            return true; // no process has that id
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>Whether a server id is of the process: Hangfire's id is the server name (the process identity), then <c>:pid:guid</c>.</summary>
    private static bool HasServer(string process, IReadOnlyList<string> servers) =>
        servers.Any(id => id.StartsWith(process + ":", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Linux gives a process's start time as clock ticks since boot, and each reader adds the boot time it computes
    /// from now and the uptime: two readings of one process differ by milliseconds. A process that reused the id
    /// started long after.
    /// </summary>
    private static bool SameStart(DateTime a, DateTime b) => (a - b).Duration() < TimeSpan.FromSeconds(1);

    private static DateTime? StartOf(Process process)
    {
        try
        {
            return process.StartTime.ToUniversalTime();
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }
}
