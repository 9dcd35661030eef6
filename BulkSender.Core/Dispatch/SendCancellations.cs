using System.Collections.Concurrent;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// The sends this process knows were cancelled: by an operator here (<see cref="SendService.CancelAsync"/>), or by
/// one elsewhere, found by a batch run of this process when it marked its next chunk or by its heartbeat
/// (<see cref="DispatchOptions.HeartbeatInterval"/>). Read from memory just before a
/// recipient's provider call (<see cref="Channels.ProviderCallSlots"/>): a call that waited for its rate-limiter slot,
/// up to a provider's Retry-After, is not made once its send is cancelled.
/// </summary>
/// <remarks>A cancelled send stays cancelled; one is forgotten an hour after, long after its last call could wait.</remarks>
public sealed class SendCancellations(TimeProvider clock)
{
    private static readonly TimeSpan KeptFor = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<int, DateTimeOffset> known = new();

    /// <summary>Records that the send was cancelled (in the database: only after the cancellation was saved, or read).</summary>
    public void Cancelled(int messageId)
    {
        var now = clock.GetUtcNow();
        foreach (var (id, at) in known)
        {
            if (now - at >= KeptFor)
                known.TryRemove(KeyValuePair.Create(id, at));
        }
        known.TryAdd(messageId, now);
    }

    public bool IsKnownCancelled(int messageId) => known.ContainsKey(messageId);
}
