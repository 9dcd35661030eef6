namespace BulkSender.Core.Channels;

/// <summary>
/// One read for all the callers that find a cached value old: the first starts it, the others wait for the same one.
/// Each reading it for itself, every worker of a busy send queried the database at once when the value aged (the
/// saved rate and the channel pauses, every 5 s), and the provider's slots passed meanwhile.
/// </summary>
/// <remarks>
/// The read runs without the callers' cancellation (one caller's cancel must not fail the others); each caller stops
/// waiting on its own token. A failed read fails its waiters; the next caller starts another.
/// </remarks>
public sealed class SharedRead
{
    private readonly Lock gate = new();
    private Task? running;

    /// <summary>Waits for the read in progress, or starts <paramref name="read"/> when none is.</summary>
    public Task RunAsync(Func<Task> read, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (running is null || running.IsCompleted)
                running = Task.Run(read, CancellationToken.None); // off the lock: the read's first steps may be synchronous
            return running.WaitAsync(cancellationToken);
        }
    }
}
