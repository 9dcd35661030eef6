using System.Collections.Concurrent;
using BulkSender.Core.Channels.Settings;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Channels;

/// <summary>
/// One limiter per channel for the whole process, shared by every Hangfire worker: batches of one message run in
/// parallel and this, not sequential sending, keeps the provider's limit. The limit is per process; several app
/// instances each get their own.
/// </summary>
/// <remarks>
/// The rate is the channel's "Messages per second" setting: the value an admin saved in Settings, else
/// <see cref="ChannelsOptions.RatePerSecond"/>. It is asked again when this process saves channel settings, and
/// otherwise at most every <see cref="RefreshEvery"/> (a save on another instance), never per message.
/// </remarks>
public sealed class ChannelRateLimiter(IOptions<ChannelsOptions> options, TimeProvider clock, ChannelSettingsStore? settings = null)
{
    /// <summary>How often the saved rate is read again when this process saved nothing (another instance may have).</summary>
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);

    /// <summary>How long a rate-limit reply without a Retry-After pauses the channel.</summary>
    public static readonly TimeSpan DefaultBackOff = TimeSpan.FromSeconds(5);

    /// <summary>The longest pause a provider's Retry-After can impose (a batch's heartbeat must keep going).</summary>
    public static readonly TimeSpan MaxBackOff = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<ChannelKind, ChannelLimit> limiters = new();

    /// <summary>A channel's limiter and when its rate was last read from the settings.</summary>
    private sealed class ChannelLimit(IntervalLimiter limiter)
    {
        public IntervalLimiter Limiter => limiter;

        /// <summary>The settings version the rate was read at; -1 before the first read.</summary>
        public long SettingsVersion = -1;

        public long ReadAt;
    }

    /// <summary>Sees every grant (channel, timestamp): lets a test check the pipeline's grants, as it checks this class's own.</summary>
    internal Action<ChannelKind, long>? Granted { get; set; }

    /// <summary>Waits until one more message may go to <paramref name="channel"/>'s provider; returns the grant's timestamp.</summary>
    public async ValueTask<long> WaitAsync(ChannelKind channel, CancellationToken cancellationToken)
    {
        var limit = Limit(channel);
        if (settings is not null && (Volatile.Read(ref limit.SettingsVersion) != settings.Version
                                     || clock.GetElapsedTime(Volatile.Read(ref limit.ReadAt)) >= RefreshEvery))
            await RefreshAsync(channel, limit, settings, cancellationToken);
        var granted = await limit.Limiter.WaitAsync(cancellationToken);
        Granted?.Invoke(channel, granted);
        return granted;
    }

    /// <summary>The rate in force for <paramref name="channel"/> now (messages per second, 0 = no limit).</summary>
    public double RateOf(ChannelKind channel) => Limit(channel).Limiter.PerSecond;

    private async Task RefreshAsync(ChannelKind channel, ChannelLimit limit, ChannelSettingsStore store, CancellationToken cancellationToken)
    {
        var version = store.Version; // before reading: a save after this is seen next time
        var saved = (await store.ValuesAsync(channel, cancellationToken)).Number("RatePerSecond");
        limit.Limiter.SetRate(saved ?? options.Value.RateFor(channel));
        Volatile.Write(ref limit.ReadAt, clock.GetTimestamp());
        Volatile.Write(ref limit.SettingsVersion, version);
    }

    /// <summary>
    /// The provider said "too many": nothing more goes to it before the pause ends — its Retry-After when it gave
    /// one (zero: no pause), <see cref="DefaultBackOff"/> when it did not.
    /// </summary>
    public void BackOff(ChannelKind channel, TimeSpan? retryAfter)
    {
        var pause = retryAfter ?? DefaultBackOff;
        if (pause > TimeSpan.Zero)
            Limit(channel).Limiter.PauseFor(pause > MaxBackOff ? MaxBackOff : pause);
    }

    private ChannelLimit Limit(ChannelKind channel) =>
        limiters.GetOrAdd(channel, c => new ChannelLimit(new IntervalLimiter(options.Value.RateFor(c), clock)));
}

/// <summary>
/// Lets callers through one at a time, each at least 1/rate after the previous one (FIFO). Unlike a token bucket
/// (System.Threading.RateLimiting) it allows no burst, so no one-second window ever holds more grants than the rate.
/// A rate of 0 means no limit. <see cref="PauseFor"/> holds everyone back for a while (a provider's "slow down");
/// <see cref="SetRate"/> changes the rate for the next grants.
/// </summary>
public sealed class IntervalLimiter(double perSecond, TimeProvider clock)
{
    /// <summary>Timers on Linux tick every 4 ms; the last stretch of a wait is slept precisely instead.</summary>
    private static readonly TimeSpan TimerGranularity = TimeSpan.FromMilliseconds(5);

    private readonly SemaphoreSlim gate = new(1, 1);
    private long intervalTicks = IntervalTicks(perSecond);
    private double rate = perSecond;
    private long? lastGrant;
    private long pausedUntil = long.MinValue;

    public double PerSecond => Volatile.Read(ref rate);

    private TimeSpan Interval => TimeSpan.FromTicks(Interlocked.Read(ref intervalTicks));

    public void SetRate(double perSecond)
    {
        Volatile.Write(ref rate, perSecond);
        Interlocked.Exchange(ref intervalTicks, IntervalTicks(perSecond));
    }

    private static long IntervalTicks(double perSecond) => perSecond > 0 ? (long)Math.Ceiling(TimeSpan.TicksPerSecond / perSecond) : 0;

    public void PauseFor(TimeSpan pause)
    {
        var until = clock.GetTimestamp() + (long)(pause.TotalSeconds * clock.TimestampFrequency);
        long current;
        while ((current = Interlocked.Read(ref pausedUntil)) < until && Interlocked.CompareExchange(ref pausedUntil, until, current) != current)
        {
        }
    }

    public async ValueTask<long> WaitAsync(CancellationToken cancellationToken)
    {
        if (Interval == TimeSpan.Zero && Remaining() <= TimeSpan.Zero)
            return clock.GetTimestamp();
        await gate.WaitAsync(cancellationToken);
        try
        {
            while (Remaining() is var remaining && remaining > TimeSpan.Zero)
            {
                if (remaining > TimerGranularity)
                    await Task.Delay(remaining - TimerGranularity, clock, cancellationToken);
                else if (clock == TimeProvider.System)
                    Thread.Sleep(remaining);
                else
                    await Task.Delay(remaining, clock, cancellationToken);
            }
            lastGrant = clock.GetTimestamp();
            return lastGrant.Value;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>How long until the next grant may go: the interval since the last one, or the pause, whichever ends later.</summary>
    private TimeSpan Remaining()
    {
        var now = clock.GetTimestamp();
        var interval = Interval;
        var untilInterval = lastGrant is { } last && interval > TimeSpan.Zero ? interval - clock.GetElapsedTime(last, now) : TimeSpan.Zero;
        var paused = Interlocked.Read(ref pausedUntil);
        var untilPause = paused > now ? TimeSpan.FromSeconds((double)(paused - now) / clock.TimestampFrequency) : TimeSpan.Zero;
        return untilInterval > untilPause ? untilInterval : untilPause;
    }
}
