using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Channels;

/// <summary>
/// How many sends each channel has in flight in this process, across all batch jobs: as many as its rate needs, and
/// never more than <see cref="ChannelsOptions.MaxInFlight"/>. Independent of Hangfire's worker count and of how many
/// batches a message has: one batch alone can keep the channel at its limit.
/// </summary>
/// <remarks>
/// Little's law: a provider answering in L seconds at R messages a second holds R × L messages at once. The target is
/// <c>ceil(R × L × <see cref="Headroom"/>) + 1</c> (the one extra waits at the rate limiter, so a grant never finds
/// nobody waiting), capped by the channel's maximum; with no rate limit it is the maximum. L is an exponentially
/// weighted moving average (weight <see cref="Smoothing"/>) of the observed provider calls, from the first answer on.
/// Until that answer a rate-limited channel has one call in flight: the first call of a process travels a cold path
/// (code compiled, a connection opened), and calls granted behind it on schedule would reach the provider together, a
/// burst over the limit (measured: five arrivals within 5 ms at the start of a send). It costs one provider latency
/// per process. A slot is taken before the rate limiter and given back when the provider
/// answers, so the rate limiter, not this, spaces the calls; this bounds how many are outstanding. Waiters are let in
/// first come, first served; a lower target (a faster provider, a lower rate) lets nobody in until enough have ended.
/// </remarks>
public sealed class InFlightLimiter(IOptions<ChannelsOptions> options, ChannelRateLimiter rates, TimeProvider clock)
{
    /// <summary>The latency the average starts from (before the first answer only a channel without a rate limit uses it).</summary>
    public static readonly TimeSpan InitialLatency = TimeSpan.FromSeconds(1);

    /// <summary>Room over R × L for latency that varies from call to call.</summary>
    public const double Headroom = 1.2;

    /// <summary>The weight of each new observation in the latency average.</summary>
    public const double Smoothing = 0.2;

    private readonly ConcurrentDictionary<ChannelKind, Window> windows = new();

    /// <summary>Waits for a slot of <paramref name="channel"/>; dispose the lease when the provider has answered.</summary>
    public ValueTask<InFlightLease> AcquireAsync(ChannelKind channel, CancellationToken cancellationToken) =>
        WindowOf(channel).AcquireAsync(cancellationToken);

    /// <summary>How many sends may be in flight on <paramref name="channel"/> now.</summary>
    public int TargetOf(ChannelKind channel) => WindowOf(channel).Target;

    /// <summary>How many sends are in flight on <paramref name="channel"/> now.</summary>
    public int InFlightOf(ChannelKind channel) => WindowOf(channel).InFlight;

    /// <summary>The channel's observed provider latency (the moving average).</summary>
    public TimeSpan LatencyOf(ChannelKind channel) => WindowOf(channel).Latency;

    private Window WindowOf(ChannelKind channel) =>
        windows.GetOrAdd(channel, c => new Window(options.Value.MaxInFlightFor(c), () => rates.RateOf(c), clock));

    /// <summary>One channel's slots: a counter, a FIFO of waiters and the latency average, under one lock.</summary>
    internal sealed class Window(int max, Func<double> rate, TimeProvider clock)
    {
        private readonly Lock gate = new();
        private readonly LinkedList<TaskCompletionSource<InFlightLease>> waiters = new();
        private double latencySeconds = InitialLatency.TotalSeconds;
        private bool observed;
        private int inFlight;

        public int InFlight
        {
            get { lock (gate) return inFlight; }
        }

        public TimeSpan Latency
        {
            get { lock (gate) return TimeSpan.FromSeconds(latencySeconds); }
        }

        public int Target
        {
            get { lock (gate) return TargetNow(); }
        }

        private int TargetNow()
        {
            var perSecond = rate();
            if (perSecond <= 0)
                return max;
            if (!observed)
                return 1; // the first call goes alone, see the remarks
            var needed = Math.Ceiling(perSecond * latencySeconds * Headroom) + 1;
            return needed >= max ? max : (int)needed;
        }

        public ValueTask<InFlightLease> AcquireAsync(CancellationToken cancellationToken)
        {
            TaskCompletionSource<InFlightLease> waiter;
            LinkedListNode<TaskCompletionSource<InFlightLease>> node;
            lock (gate)
            {
                if (waiters.Count == 0 && inFlight < TargetNow())
                {
                    inFlight++;
                    return ValueTask.FromResult(new InFlightLease(this, clock));
                }
                cancellationToken.ThrowIfCancellationRequested();
                waiter = new TaskCompletionSource<InFlightLease>(TaskCreationOptions.RunContinuationsAsynchronously);
                node = waiters.AddLast(waiter);
            }
            return new ValueTask<InFlightLease>(WaitAsync(waiter, node, cancellationToken));
        }

        private async Task<InFlightLease> WaitAsync(TaskCompletionSource<InFlightLease> waiter,
            LinkedListNode<TaskCompletionSource<InFlightLease>> node, CancellationToken cancellationToken)
        {
            await using (cancellationToken.Register(() =>
                         {
                             lock (gate)
                             {
                                 if (node.List is null)
                                     return; // already let in: the lease is the caller's
                                 waiters.Remove(node);
                             }
                             waiter.TrySetCanceled(cancellationToken);
                         }))
                return await waiter.Task;
        }

        /// <summary>A slot ends: the latency it saw (if it reached the provider) joins the average, and waiters come in.</summary>
        public void Release(TimeSpan? latency)
        {
            var admitted = new List<TaskCompletionSource<InFlightLease>>();
            lock (gate)
            {
                inFlight--;
                if (latency is { } observedLatency)
                {
                    latencySeconds = observed
                        ? latencySeconds + Smoothing * (observedLatency.TotalSeconds - latencySeconds)
                        : observedLatency.TotalSeconds;
                    observed = true;
                }
                var target = TargetNow();
                while (waiters.First is { } first && inFlight < target)
                {
                    waiters.RemoveFirst();
                    inFlight++;
                    admitted.Add(first.Value);
                }
            }
            foreach (var waiter in admitted)
                waiter.SetResult(new InFlightLease(this, clock));
        }
    }

    /// <summary>
    /// One slot. <see cref="Start"/> when the provider is called (after the rate limiter); <see cref="Dispose"/> when
    /// it answered, or when the send did not happen: the slot goes back, with the call's duration if it started.
    /// </summary>
    public sealed class InFlightLease : IDisposable
    {
        private readonly Window window;
        private readonly TimeProvider clock;
        private long? started;
        private int disposed;

        internal InFlightLease(Window window, TimeProvider clock) => (this.window, this.clock) = (window, clock);

        public void Start() => started = clock.GetTimestamp();

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
                window.Release(started is { } at ? clock.GetElapsedTime(at) : null);
        }
    }
}
