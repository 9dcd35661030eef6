using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Funnel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Channels;

/// <summary>What one pass of <see cref="SimulatedEvents"/> applied.</summary>
public sealed record SimulatedEventCounts(int Delivered, int Read, int Replied);

/// <summary>
/// The simulated provider's status events: delivered, read and replied, reported through the same
/// <see cref="DeliveryStatusUpdater"/> the webhooks feed, so the funnel moves on a fresh install.
/// <para>
/// Whether and when each event comes is a function of the seed and the provider message id (like the failure mix), and
/// its time is the send time plus its delays, not the time it is applied. The database is the only state: a pass looks
/// at the simulated deliveries sent recently enough to still have an event due (after a start, those sent within
/// <see cref="SimulatedChannelOptions.EventsCatchUp"/>) and applies each event whose time has come and that the
/// delivery does not show yet. A restarted process catches up; a repeated event changes nothing.
/// </para>
/// Not thread-safe: one loop (<see cref="SimulatedEventsService"/>) runs it.
/// </summary>
public sealed class SimulatedEvents(
    IDbContextFactory<AppDbContext> dbs,
    DeliveryStatusUpdater updater,
    IOptions<SimulatedChannelOptions> options,
    TimeProvider clock)
{
    /// <summary>How late a send's row may become visible after its send time (it is recorded a few recipients later).</summary>
    public static readonly TimeSpan LateCommit = TimeSpan.FromMinutes(1);

    /// <summary>What the simulated contacts answer. Never "STOP": demo contacts are not opted out by the simulation.</summary>
    public static readonly IReadOnlyList<string> Replies = ["Thanks!", "Got it, thank you.", "See you there 👍",
        "Can you tell me more?", "Great news!"];

    private readonly Dictionary<long, DateTime> repliedHere = [];
    private DateTime? lastPass;

    public async Task<SimulatedEventCounts> ApplyDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        if (settings.DeliveredRate <= 0)
            return new SimulatedEventCounts(0, 0, 0);

        // The latest an event can come is twice each delay after the send.
        var from = (lastPass ?? now - settings.EventsCatchUp)
            - 2 * (settings.DeliveredAfter + settings.ReadAfter + settings.ReplyAfter) - LateCommit;
        List<Candidate> candidates;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            candidates = await db.Deliveries.AsNoTracking()
                .Where(d => d.SentAt > from && d.SentAt <= now && d.Status == DeliveryStatus.Sent && d.RepliedAt == null
                    && d.ProviderMessageId!.StartsWith(SimulatedChannel.ProviderIdPrefix))
                .OrderBy(d => d.SentAt).ThenBy(d => d.Id)
                .Select(d => new Candidate(d.Id, d.ProviderMessageId!, d.RecipientAddress, d.SentAt!.Value, d.DeliveredAt, d.ReadAt,
                    db.Messages.Where(m => m.Id == d.MessageId).Select(m => m.Channel).First()))
                .ToListAsync(cancellationToken);
        }

        // Each stage for the whole pass at once: one transaction (one SQLite write lock) per stage and channel.
        var dice = candidates.ToDictionary(d => d.Id, d => Dice.For(settings.Seed, d.ProviderMessageId));
        DateTime? Due(bool happens, DateTime at) => happens && at <= now ? at : null;

        var deliveredAt = candidates.ToDictionary(d => d.Id, d => d.DeliveredAt ?? Due(dice[d.Id].Delivered < settings.DeliveredRate,
            d.SentAt + Delay(settings.DeliveredAfter, dice[d.Id].DeliveredDelay)));
        var delivered = await ApplyAsync(candidates.Where(d => d.DeliveredAt is null && deliveredAt[d.Id] is not null),
            (channel, events) => updater.MarkDeliveredAsync(channel, events, cancellationToken), d => deliveredAt[d.Id]!.Value);

        var readAt = candidates.ToDictionary(d => d.Id, d => d.ReadAt ?? (deliveredAt[d.Id] is { } at
            ? Due(dice[d.Id].Read < settings.ReadRate, at + Delay(settings.ReadAfter, dice[d.Id].ReadDelay)) : null));
        var read = await ApplyAsync(candidates.Where(d => d.ReadAt is null && readAt[d.Id] is not null),
            (channel, events) => updater.MarkReadAsync(channel, events, cancellationToken), d => readAt[d.Id]!.Value);

        var replied = 0;
        foreach (var d in candidates.Where(d => readAt[d.Id] is not null && !repliedHere.ContainsKey(d.Id)))
        {
            var roll = dice[d.Id];
            if (Due(roll.Replied < settings.ReplyRate, readAt[d.Id]!.Value + Delay(settings.ReplyAfter, roll.ReplyDelay)) is not { } replyAt)
                continue;
            if ((await updater.RecordInboundAsync(d.Channel, d.Address, Replies[(int)(roll.Text * Replies.Count)],
                replyAt, cancellationToken)).Replied)
                replied++;
            // The reply may have gone to a later message to the same contact; it is not sent again.
            repliedHere[d.Id] = d.SentAt;
        }

        foreach (var id in repliedHere.Where(r => r.Value <= from).Select(r => r.Key).ToList())
            repliedHere.Remove(id);
        lastPass = now;
        return new SimulatedEventCounts(delivered, read, replied);
    }

    private static async Task<int> ApplyAsync(IEnumerable<Candidate> due,
        Func<ChannelKind, IReadOnlyCollection<(string, DateTime)>, Task<int>> apply, Func<Candidate, DateTime> at)
    {
        var applied = 0;
        foreach (var channel in due.GroupBy(d => d.Channel))
            applied += await apply(channel.Key, channel.Select(d => (d.ProviderMessageId, at(d))).ToList());
        return applied;
    }

    /// <summary>
    /// Between <paramref name="delay"/> and twice it, in whole milliseconds: a time the database keeps exactly (PostgreSQL
    /// keeps microseconds), so a later pass computes the same event times from the stored ones.
    /// </summary>
    private static TimeSpan Delay(TimeSpan delay, double share) =>
        TimeSpan.FromMilliseconds(Math.Floor((delay + delay * share).TotalMilliseconds));

    private sealed record Candidate(long Id, string ProviderMessageId, string Address, DateTime SentAt, DateTime? DeliveredAt,
        DateTime? ReadAt, ChannelKind Channel);

    private sealed record Dice(double Delivered, double Read, double Replied, double DeliveredDelay, double ReadDelay,
        double ReplyDelay, double Text)
    {
        public static Dice For(int seed, string providerMessageId)
        {
            var hash = SimulatedDice.Hash($"{seed}|events|{providerMessageId}");
            double Next(ulong i) => SimulatedDice.Share(hash + i * 0x9E3779B97F4A7C15UL);
            return new Dice(Next(1), Next(2), Next(3), Next(4), Next(5), Next(6), Next(7));
        }
    }
}
