namespace BulkSender.Core.Channels.RateLimits;

/// <summary>
/// Where a provider account's next slots fall: the arithmetic of the cluster's rate limit, the same on every instance.
/// Slots are spaced so that no one-second window at the provider holds more than the limit, even when a request
/// leaves up to <see cref="Lateness"/> after its slot and travels with up to <see cref="Jitter"/> more delay than its
/// neighbour: the limit's slots are spread over one second plus <see cref="WindowMargin"/>
/// (<c>interval = (1 s + margin) / limit</c>), so the account gets at most 1 / 1.03 ≈ 0.971 of its nominal limit.
/// </summary>
/// <remarks>
/// Without the margin a grant exactly 1/limit apart puts limit + 1 requests in a closed one-second window as soon as
/// one request of the pair is a millisecond faster on its way out than the other (measured before: 21–22 arrivals in
/// the worst second at 20/s). After a back-off the account resumes gradually: the first slots after the pause come at
/// <see cref="ResumeFrom"/> of the rate, rising linearly to the full rate over <see cref="RampUp"/>.
/// </remarks>
public static class SlotPlan
{
    /// <summary>How much later than its slot a request may still go (a late wake-up); a slot older than this is dropped.</summary>
    public static readonly TimeSpan Lateness = TimeSpan.FromMilliseconds(10);

    /// <summary>How much one request may be delayed on its way to the provider more than another (threads, network).</summary>
    public static readonly TimeSpan Jitter = TimeSpan.FromMilliseconds(20);

    /// <summary>Each limit's worth of slots spans one second plus this.</summary>
    public static readonly TimeSpan WindowMargin = Lateness + Jitter;

    /// <summary>The share of the rate the first slot after a back-off gets.</summary>
    public const double ResumeFrom = 0.25;

    /// <summary>How long after a back-off the rate takes to be full again.</summary>
    public static readonly TimeSpan RampUp = TimeSpan.FromSeconds(10);

    /// <summary>The distance between two slots at full rate, in ticks; 0 for no limit.</summary>
    public static long IntervalTicks(double perSecond) =>
        perSecond > 0 ? (long)Math.Ceiling((TimeSpan.TicksPerSecond + WindowMargin.Ticks) / perSecond) : 0;

    /// <summary>
    /// <paramref name="count"/> slots from the account's state, and its next free slot after them. The first slot is the
    /// next free one, or now when that has passed, and never inside the back-off.
    /// </summary>
    public static (long[] Slots, long Next) Plan(long next, long pausedUntil, long now, int count, long interval)
    {
        var slots = new long[count];
        var at = Math.Max(Math.Max(next, now), pausedUntil);
        for (var i = 0; i < count; i++)
        {
            slots[i] = at;
            at += Spacing(interval, at, pausedUntil);
        }
        return (slots, at);
    }

    /// <summary>The interval after a slot at <paramref name="at"/>: longer while the rate ramps up after a back-off.</summary>
    public static long Spacing(long interval, long at, long pausedUntil)
    {
        if (pausedUntil <= 0 || at >= pausedUntil + RampUp.Ticks)
            return interval;
        var share = ResumeFrom + ((1 - ResumeFrom) * (at - pausedUntil) / RampUp.Ticks);
        return (long)Math.Ceiling(interval / share);
    }
}
