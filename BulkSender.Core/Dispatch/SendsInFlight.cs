using System.Collections.Concurrent;
using BulkSender.Core.Channels;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// One batch run's recipients between the gate and the next write: the sends still waiting for the provider, and
/// what became of recipients since the last write (<see cref="Take"/>). The run's loop adds recipients and takes
/// outcomes; each send's own task adds only its answer.
/// </summary>
internal sealed class SendsInFlight : IDisposable
{
    private readonly ConcurrentQueue<(BatchRecipient, ChannelResult)> results = new();
    private readonly ConcurrentQueue<BatchRecipient> unsent = new();
    private readonly List<BatchRecipient> skipped = [];
    private readonly SemaphoreSlim ended = new(0);
    private int running;
    private volatile bool someNotSent;

    private int Running => Volatile.Read(ref running);

    private int Waiting => results.Count + unsent.Count + skipped.Count;

    /// <summary>
    /// Whether a send handed to the channel ended without being sent (its answer was null: a shutdown, or the channel
    /// paused by its answer or before its call): the batch is not complete then, whatever recipient it was.
    /// </summary>
    public bool SomeNotSent => someNotSent;

    public void Answered(BatchRecipient recipient, ChannelResult result) => results.Enqueue((recipient, result));

    public void Skipped(BatchRecipient recipient) => skipped.Add(recipient);

    public void Unsent(IEnumerable<BatchRecipient> recipients)
    {
        foreach (var recipient in recipients)
            unsent.Enqueue(recipient);
    }

    /// <summary>Follows one send to the provider; an answer of null (a shutdown, a paused channel) means not sent.</summary>
    public void Add(BatchRecipient recipient, Task<ChannelResult?> send)
    {
        Interlocked.Increment(ref running);
        _ = FollowAsync(recipient, send);
    }

    private async Task FollowAsync(BatchRecipient recipient, Task<ChannelResult?> send)
    {
        if (await send is { } result)
            results.Enqueue((recipient, result));
        else
        {
            unsent.Enqueue(recipient);
            someNotSent = true;
        }
        Interlocked.Decrement(ref running);
        ended.Release();
    }

    /// <summary>Waits until at least <paramref name="count"/> outcomes wait to be written, or no send is in flight.</summary>
    public async Task WaitAsync(int count)
    {
        while (Running > 0 && Waiting < count)
            await ended.WaitAsync();
    }

    /// <summary>Waits until every send has its answer.</summary>
    public Task AllEndedAsync() => WaitAsync(int.MaxValue);

    /// <summary>The outcomes since the last call, to be written now.</summary>
    public ChunkOutcome Take()
    {
        var (answers, notSent) = (new List<(BatchRecipient, ChannelResult)>(), new List<BatchRecipient>());
        while (results.TryDequeue(out var answer))
            answers.Add(answer);
        while (unsent.TryDequeue(out var recipient))
            notSent.Add(recipient);
        var outcome = new ChunkOutcome(answers, skipped.ToList(), notSent);
        skipped.Clear();
        return outcome;
    }

    /// <summary>Only after <see cref="AllEndedAsync"/>: no send is left to signal its end.</summary>
    public void Dispose() => ended.Dispose();
}
