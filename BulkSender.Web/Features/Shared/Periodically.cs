namespace BulkSender.Web.Features.Shared;

public static class Periodically
{
    /// <summary>Runs <paramref name="action"/> every <paramref name="interval"/> until cancelled (for pages that refresh while work is in flight).</summary>
    public static async Task RunAsync(TimeSpan interval, TimeProvider clock, Func<Task> action, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
                await action();
        }
        catch (OperationCanceledException)
        {
        }
    }
}
