using Hangfire;
using Microsoft.Extensions.Logging;

namespace BulkSender.Core.Jobs;

/// <summary>
/// The Hangfire servers the job storage lists: with SQL Server or PostgreSQL every instance's server, so a batch
/// claimer of another machine whose process has no server there is known dead (<see cref="Dispatch.BatchClaimer"/>).
/// Each server is named after its process (<see cref="Dispatch.BatchClaimer.ProcessIdentity"/>); Hangfire makes its id
/// <c>name:pid:guid</c>, in lower case. A dead server leaves the list once its heartbeat is older than the server
/// timeout (<see cref="JobsRegistration"/> sets it to a minute).
/// </summary>
/// <param name="shared">
/// Whether every instance's servers are in this storage. In SQLite mode Hangfire keeps its jobs in memory, one storage
/// per process: the list knows only this process and says nothing about the others.
/// </param>
public sealed class JobServerList(JobStorage storage, bool shared, ILogger<JobServerList> log)
{
    /// <summary>The ids of the servers listed now; null when the list cannot be trusted (not shared, or not readable).</summary>
    public IReadOnlyList<string>? ServerIds()
    {
        if (!shared)
            return null;
        try
        {
            return storage.GetMonitoringApi().Servers().Select(s => s.Name).ToList();
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "The job storage's server list could not be read: claimers on other machines wait for their heartbeat to age");
            return null;
        }
    }
}
