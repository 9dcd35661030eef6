using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using BulkSender.Core.Channels.RateLimits;
using BulkSender.Core.Channels.Settings;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Channels;

/// <summary>
/// Each channel's rate limit, for the whole cluster: the provider account's slots are reserved in the database
/// (<see cref="RateLimitSlots"/>, a block of <see cref="BlockSpan"/> at a time), and this process hands its reserved
/// slots out to its workers in order, from memory (the fast path: one database write per block, not per message).
/// Several instances on one database share the account's limit between them; no one-second window at the provider holds
/// more than the limit (<see cref="SlotPlan"/>: the slots' spacing leaves room for late wake-ups and jitter).
/// </summary>
/// <remarks>
/// The rate is the channel's "Messages per second" setting: the value an admin saved in Settings, else
/// <see cref="ChannelsOptions.RatePerSecond"/>. It is asked again when this process saves channel settings, and
/// otherwise at most every <see cref="RefreshEvery"/> (a save on another instance, read once for all the waiters that
/// find it old), never per message. Each waiter takes the next slot and waits for it on its own timer (waiting in
/// turn, one late wake-up made every later waiter late); a slot whose time passed more than
/// <see cref="SlotPlan.Lateness"/> ago (nobody came for it in time, or its waiter woke late) is dropped, never caught up
/// in a burst, and counted (<see cref="MeterName"/>). The next block is reserved while half of the current one is left,
/// so the database's answer is not waited for. A rate-limit reply pauses the account for every instance
/// (<see cref="BackOffAsync"/>).
/// </remarks>
public sealed class ChannelRateLimiter(
    IOptions<ChannelsOptions> options,
    TimeProvider clock,
    RateLimitSlots store,
    ChannelSettingsStore? settings = null,
    ILogger<ChannelRateLimiter>? log = null)
{
    /// <summary>How often the saved rate (and another instance's back-off, for a channel without a rate) is read again.</summary>
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);

    /// <summary>How long a rate-limit reply without a Retry-After pauses the channel.</summary>
    public static readonly TimeSpan DefaultBackOff = TimeSpan.FromSeconds(5);

    /// <summary>The longest pause a provider's Retry-After can impose (a batch's heartbeat must keep going).</summary>
    public static readonly TimeSpan MaxBackOff = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How much of the rate one reservation takes: the most slots an instance holds that others cannot use, and so what
    /// passes unused when its work ends while others' goes on (100 ms blocks: three instances reached 0.939 of the
    /// limit, 50 ms: 0.954, on PostgreSQL). At 1,000/s a block is 50 slots: 20 writes a second.
    /// </summary>
    public static readonly TimeSpan BlockSpan = TimeSpan.FromMilliseconds(50);

    /// <summary>The meter of this class's instruments (<see cref="SlotsDropped"/>), for dotnet-counters or OpenTelemetry.</summary>
    public const string MeterName = "BulkSender.RateLimits";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>
    /// Reserved slots no message used, by channel and reason: <c>unused</c> (its time passed before a waiter came for it:
    /// nothing more to send, or every worker busy elsewhere), <c>late</c> (its waiter woke, or its call was about to
    /// leave, more than <see cref="SlotPlan.Lateness"/> after it: a busy machine) or <c>paused</c> (inside a back-off).
    /// Each one is also logged at Debug level with its time, so a slow send's lost slots can be placed.
    /// </summary>
    private static readonly Counter<long> SlotsDropped =
        Meter.CreateCounter<long>("bulksender.rate_limit.slots_dropped", "{slot}", "Reserved rate-limit slots no message used");

    private readonly ConcurrentDictionary<ChannelKind, Account> accounts = new();

    /// <summary>Sees every grant (channel, timestamp): lets a test check the pipeline's grants, as it checks this class's own.</summary>
    internal Action<ChannelKind, long>? Granted { get; set; }

    /// <summary>
    /// Waits until one more message may go to <paramref name="channel"/>'s provider; returns the slot it goes in, which
    /// the call should leave by (<see cref="StillOnTime"/>).
    /// </summary>
    public async ValueTask<RateSlot> TakeAsync(ChannelKind channel, CancellationToken cancellationToken)
    {
        var account = AccountOf(channel);
        if (Volatile.Read(ref account.SettingsVersion) != (settings?.Version ?? 0))
            await RefreshAsync(channel, account, cancellationToken); // this process saved the channel's settings
        else if (clock.GetElapsedTime(Volatile.Read(ref account.ReadAt)) >= RefreshEvery)
            await account.Refresh.RunAsync(() => RefreshAsync(channel, account, CancellationToken.None), cancellationToken);
        var slot = await account.WaitAsync(cancellationToken);
        var granted = clock.GetTimestamp();
        Granted?.Invoke(channel, granted);
        return new RateSlot(channel, granted, slot);
    }

    /// <summary>
    /// Whether a call granted <paramref name="slot"/> may still leave now, checked just before it does: not once the slot
    /// passed more than <see cref="SlotPlan.Lateness"/> ago (the way from the grant to the call took that long: a busy
    /// machine, a wait for an SMTP connection), as for a waiter that woke late, and not when a back-off that began since
    /// covers it; such a slot is counted as dropped (<c>late</c>, <c>paused</c>). A channel without a limit is always on time.
    /// </summary>
    public bool StillOnTime(RateSlot slot) => slot.At == 0 || AccountOf(slot.Channel).Usable(slot.At, "late");

    /// <summary>Whether a reservation of <paramref name="channel"/>'s slots is on its way (a test checks when one starts).</summary>
    internal bool Reserving(ChannelKind channel) => AccountOf(channel).Reserving;

    /// <summary>The rate in force for <paramref name="channel"/> now (messages per second, 0 = no limit).</summary>
    public double RateOf(ChannelKind channel) => AccountOf(channel).PerSecond;

    /// <summary>
    /// The provider said "too many" to a request that left at <paramref name="sentAt"/>: nothing more goes to it from
    /// any instance before the pause ends — its Retry-After when it gave one (zero: no pause), <see cref="DefaultBackOff"/>
    /// when it did not, at most <see cref="MaxBackOff"/>. A reply to a request sent before the last pause ended (the
    /// other answers to the burst that caused it) extends nothing. Sending then resumes gradually (<see cref="SlotPlan"/>).
    /// </summary>
    public async Task BackOffAsync(ChannelKind channel, TimeSpan? retryAfter, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        var pause = retryAfter ?? DefaultBackOff;
        if (pause <= TimeSpan.Zero)
            return;
        var until = clock.GetUtcNow().UtcTicks + (pause > MaxBackOff ? MaxBackOff : pause).Ticks;
        var account = AccountOf(channel);
        if (sentAt.UtcTicks < account.PausedUntil)
            return; // this process already knows of a pause that began after the request left
        account.See(await store.BackOffAsync(channel, sentAt.UtcTicks, until, cancellationToken));
    }

    private async Task RefreshAsync(ChannelKind channel, Account account, CancellationToken cancellationToken)
    {
        var version = settings?.Version ?? 0; // before reading: a save after this is seen next time
        var saved = settings is null ? null : (await settings.ValuesAsync(channel, cancellationToken)).Number("RatePerSecond");
        account.PerSecond = saved ?? options.Value.RateFor(channel);
        if (account.PerSecond <= 0)
            account.See(await store.PausedUntilAsync(channel, cancellationToken)); // no reservations bring it
        Volatile.Write(ref account.ReadAt, clock.GetTimestamp());
        Volatile.Write(ref account.SettingsVersion, version);
    }

    private Account AccountOf(ChannelKind channel) =>
        accounts.GetOrAdd(channel, c => new Account(c, options.Value.RateFor(c), store, clock, log));

    /// <summary>One channel's slots reserved by this process, handed out first come, first served.</summary>
    private sealed class Account(ChannelKind channel, double perSecond, RateLimitSlots store, TimeProvider clock, ILogger? log)
    {
        private readonly Queue<long> slots = new();
        private Task<SlotBlock>? reserving;
        private int reservations; // the first is the first call's one slot, the second a block when a second call comes
        private double rate = perSecond;
        private long pausedUntil;

        /// <summary>The settings version the rate was read at; -1 before the first read.</summary>
        public long SettingsVersion = -1;

        public long ReadAt;

        public double PerSecond
        {
            get => Volatile.Read(ref rate);
            set => Volatile.Write(ref rate, value);
        }

        public long PausedUntil => Interlocked.Read(ref pausedUntil);

        public bool Reserving
        {
            get
            {
                lock (slots)
                    return reserving is not null;
            }
        }

        /// <summary>One read of the saved rate for all the waiters that find it old.</summary>
        public SharedRead Refresh { get; } = new();

        /// <summary>Learns of a back-off (this process's or another's): slots before its end are not used.</summary>
        public void See(long until)
        {
            long current;
            while ((current = Interlocked.Read(ref pausedUntil)) < until
                   && Interlocked.CompareExchange(ref pausedUntil, until, current) != current)
            {
            }
        }

        /// <summary>Waits for the account's next slot; returns it (UTC ticks), or 0 for a channel without a limit.</summary>
        public async Task<long> WaitAsync(CancellationToken cancellationToken)
        {
            var perSecondNow = PerSecond;
            if (perSecondNow <= 0)
            {
                await UntilAsync(PausedUntil, cancellationToken);
                return 0;
            }
            while (true)
            {
                long slot = 0;
                Task? reservation;
                lock (slots)
                {
                    Collect();
                    var found = false;
                    while (!found && slots.TryDequeue(out slot))
                        found = Usable(slot, "unused"); // not: inside a back-off, or passed while nobody waited (dropped, never caught up)
                    // The first reservation is one slot: the first call goes alone (InFlightLimiter), and a block
                    // reserved meanwhile would pass unused. The next block is reserved when a waiter finds no slot
                    // left; after that, ahead of need, while half of the current block is left.
                    var block = reservations > 0 ? (int)Math.Clamp(Math.Ceiling(perSecondNow * BlockSpan.TotalSeconds), 1, 1000) : 1;
                    if (reserving is null && (!found || (reservations > 1 && slots.Count <= block / 2)))
                    {
                        reservations++;
                        var interval = SlotPlan.IntervalTicks(perSecondNow);
                        // Started off the lock: the database call's first steps may run synchronously.
                        reserving = Task.Run(() => store.ReserveAsync(channel, block, interval, CancellationToken.None), CancellationToken.None);
                    }
                    reservation = found ? null : reserving;
                }
                if (reservation is not null)
                {
                    await reservation.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    cancellationToken.ThrowIfCancellationRequested();
                    continue;
                }
                // Each waiter waits for its own slot: a slow wake-up of one does not make the next one late.
                await UntilAsync(slot, cancellationToken);
                if (Usable(slot, "late"))
                    return slot;
                // Woken too late (a busy machine) or a back-off began meanwhile: the next slot, not a burst.
            }
        }

        /// <summary>
        /// Not inside a back-off, and not more than <see cref="SlotPlan.Lateness"/> in the past; counts a slot that is, as
        /// <paramref name="passed"/> when its time passed (<see cref="SlotsDropped"/>).
        /// </summary>
        public bool Usable(long slot, string passed)
        {
            var now = clock.GetUtcNow().UtcTicks;
            var reason = slot < PausedUntil ? "paused" : now > slot + SlotPlan.Lateness.Ticks ? passed : null;
            if (reason is null)
                return true;
            SlotsDropped.Add(1, new TagList { { "channel", channel.ToString() }, { "reason", reason } });
            if (log?.IsEnabled(LogLevel.Debug) == true)
                log.LogDebug("Rate-limit slot {Slot:O} of {Channel} dropped ({Reason}) at {Now:O}",
                    new DateTime(slot, DateTimeKind.Utc), channel, reason, new DateTime(now, DateTimeKind.Utc));
            return false;
        }

        /// <summary>
        /// A finished reservation's slots join the queue; a failed one's error goes to the caller (the next tries again).
        /// Called under the queue's lock.
        /// </summary>
        private void Collect()
        {
            if (reserving is not { IsCompleted: true } done)
                return;
            reserving = null;
            var block = done.GetAwaiter().GetResult();
            See(block.PausedUntil);
            foreach (var slot in block.Slots)
                slots.Enqueue(slot);
        }

        private async Task UntilAsync(long at, CancellationToken cancellationToken)
        {
            while (TimeSpan.FromTicks(at - clock.GetUtcNow().UtcTicks) is var remaining && remaining > TimeSpan.Zero)
            {
                // A timer counts whole milliseconds: a shorter wait would fire at once, again and again. It may fire a
                // little late: within SlotPlan.Lateness, which the slots' spacing allows for. (Sleeping the last
                // milliseconds on the thread instead starves the thread pool on a small machine: timers then fire
                // hundreds of milliseconds late.)
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)), clock, cancellationToken);
            }
        }
    }
}

/// <summary>
/// A rate-limit grant: <paramref name="Granted"/> is when the waiter got it (a <see cref="TimeProvider"/> timestamp),
/// <paramref name="At"/> the slot's time (UTC ticks) that the provider call should leave by, 0 for a channel without a limit.
/// </summary>
public readonly record struct RateSlot(ChannelKind Channel, long Granted, long At);
