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
