using Microsoft.Extensions.Logging;

namespace BulkSender.Core.Jobs;

/// <summary>Runs every <see cref="IReconcileStep"/>: once at start and then every minute as a recurring job.</summary>
public sealed class ReconcileJob(IEnumerable<IReconcileStep> steps, ILogger<ReconcileJob> log)
{
    public const string RecurringId = "reconcile";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var step in steps)
        {
            var count = await step.ReconcileAsync(cancellationToken);
            if (count > 0)
                log.LogInformation("Reconcile step {Step} re-enqueued {Count} item(s)", step.Name, count);
        }
    }
}
