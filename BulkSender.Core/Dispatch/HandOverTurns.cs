using System.Collections.Concurrent;
using BulkSender.Core.Channels;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// Which of this process's batches of a rate-limited channel hand their recipients to the channel now: the
/// <see cref="TurnsAt"/> first to ask; the others wait their turn, first come, first served, before they mark anything
/// Sending. A batch's turn ends with its last hand-over, not with its last answer. A channel without a rate limit has
/// no turns: every batch hands over at once.
/// </summary>
/// <remarks>
/// Why: the rate limiter gives each batch one slot at a time, so batches handing over together share the rate evenly
/// and hand over their last recipients together; each then holds its Hangfire worker for one provider latency, waiting
/// for its last answers, and with every worker waiting nobody takes the slots. At 1,000/s with ten workers that was a
/// 150 ms pause at the provider at the end of the first ten batches (1.5% of a 10,000-recipient send) and dips later.
/// In turns, batches end one after another, and while one waits for its answers the next has the slots. Two turns
/// keep 1,000/s at the rate the slots allow (benchmark: 0.970 from the first send to the last, longest pause 11–25 ms);
/// one more turn for every further <see cref="RatePerTurn"/> a second, as one batch's loop also writes its progress.
/// </remarks>
public sealed class HandOverTurns(ChannelRateLimiter rates)
{
    /// <summary>The rate one batch's turn is counted to keep up with.</summary>
    public const double RatePerTurn = 500;

    private readonly ConcurrentDictionary<(ChannelKind Channel, int Turns), SemaphoreSlim> lines = new();

    /// <summary>How many batches hand over at once at <paramref name="perSecond"/> (0: no limit, no turns).</summary>
    public static int TurnsAt(double perSecond) =>
        perSecond <= 0 ? int.MaxValue : Math.Max(2, (int)Math.Ceiling(perSecond / RatePerTurn));

    /// <summary>Waits for a turn to hand over to <paramref name="channel"/>; dispose it after the batch's last hand-over.</summary>
    public async ValueTask<IDisposable> TakeAsync(ChannelKind channel, CancellationToken cancellationToken)
    {
        var turns = TurnsAt(rates.RateOf(channel));
        if (turns == int.MaxValue)
            return Turn.None;
        // A line per count: when the rate changes, batches of the old count finish in their line, new ones queue in the new.
        var line = lines.GetOrAdd((channel, turns), key => new SemaphoreSlim(key.Turns, key.Turns));
        await line.WaitAsync(cancellationToken); // asynchronous waiters are let in first come, first served
        return new Turn(line);
    }

    private sealed class Turn(SemaphoreSlim? line) : IDisposable
    {
        public static readonly Turn None = new(null);

        private int ended;

        public void Dispose()
        {
            if (line is not null && Interlocked.Exchange(ref ended, 1) == 0)
                line.Release();
        }
    }
}
