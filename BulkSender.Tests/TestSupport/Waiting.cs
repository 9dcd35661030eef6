namespace BulkSender.Tests.TestSupport;

/// <summary>Waiting on a condition with a timeout, for what no event announces (requests at a loopback server).</summary>
public static class Waiting
{
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Waited {timeout.TotalSeconds:N0} s for: {what}");
            await Task.Delay(50);
        }
    }
}
