using System.Diagnostics;
using BulkSender.Core.Channels.RateLimits;
using BulkSender.Tests.TestSupport;

namespace BulkSender.Tests.Web.Dispatch;

/// <summary>
/// The cluster figures' arithmetic on made-up arrivals (<see cref="ClusterFigures"/>): the busiest second the process
/// tests assert on, and the account of where a slow send's time went that the benchmark prints.
/// </summary>
public sealed class ClusterFiguresTests
{
    private const double Rate = 100;

    /// <summary>One slot at 100/s, (1 s + 30 ms) / 100, in Stopwatch ticks.</summary>
    private static readonly long Slot = SlotPlan.IntervalTicks(Rate) * Stopwatch.Frequency / TimeSpan.TicksPerSecond;

    private static long Ms(double ms) => (long)(ms * Stopwatch.Frequency / 1000);

    private static List<ProviderArrival> Arrivals(IEnumerable<long> times) =>
        [.. times.Select((t, i) => new ProviderArrival("i1", $"r{i}", t))];

    [Fact]
    public void The_busiest_second_counts_the_arrivals_of_any_one_second_sliding_over_them()
    {
        // 100 calls on the slots, then 101 squeezed into the next second less a tick.
        var onSlots = Enumerable.Range(0, 100).Select(i => i * Slot).ToList();
        var squeezed = Enumerable.Range(0, 101).Select(i => (200 * Slot) + (i * (Ms(1000) - 1) / 100));

        ClusterFigures.PeakIn(onSlots, TimeSpan.FromSeconds(1)).ShouldBe(98, "the slots leave 30 ms a second unused");
        ClusterFigures.PeakIn(onSlots.Concat(squeezed), TimeSpan.FromSeconds(1)).ShouldBe(101);
    }

    [Fact]
    public void The_time_beyond_the_slots_is_told_with_the_gaps_of_more_than_three_slots_that_make_it()
    {
        var onSlots = Enumerable.Range(0, 200).Select(i => i * Slot).ToList();
        ClusterFigures.DescribePauses(Arrivals(onSlots), Rate)
            .ShouldBe("0 ms beyond the slots; no gap between calls over three slots");

        // A stall of 150 ms after the 50th call and one of 60 ms after the 150th: 210 ms more, 9.3 and 3.2 slots.
        var stalled = onSlots.Select((t, i) => t + (i >= 50 ? Ms(150) : 0) + (i >= 150 ? Ms(60) : 0));
        ClusterFigures.DescribePauses(Arrivals(stalled), Rate).ShouldBe(
            "210 ms beyond the slots; 2 gaps between calls over three slots (31 ms) cost 210 ms, " +
            "the longest 160 ms from +0.5 s (i1 → i1), 70 ms from +1.7 s (i1 → i1)");
    }

    [Fact]
    public void A_gap_after_an_instances_last_call_says_so()
    {
        // i1 and i2 alternate on the slots; i2's last call is the 100th, and the next call (i1's) comes 100 ms later.
        var arrivals = Enumerable.Range(0, 150).Select(i => new ProviderArrival(i < 100 && i % 2 == 1 ? "i2" : "i1", $"r{i}",
            (i * Slot) + (i >= 100 ? Ms(100) : 0))).ToList();

        ClusterFigures.DescribePauses(arrivals, Rate).ShouldBe(
            "100 ms beyond the slots; 1 gap between calls over three slots (31 ms) cost 100 ms, " +
            "the longest 110 ms from +1.0 s (i2 → i1, i2's last call)");
    }

    [Fact]
    public void The_slots_an_instance_dropped_are_read_from_its_log_and_told_per_reason_and_instance_within_the_send()
    {
        var at = new DateTime(2026, 12, 7, 18, 54, 21, DateTimeKind.Utc);
        string Line(double ms, string reason) =>
            $"dbug: {SlotDrops.Category}[0]\n      Rate-limit slot {at.AddMilliseconds(ms):O} of Messenger dropped ({reason}) at {at:O}\n";
        var i1 = Line(-4_000, "unused") + Line(100, "unused") + Line(110, "unused") + Line(500, "late") + "info: Something else\n";
        var i2 = Line(300, "late") + Line(5_000, "late") + Line(25_000, "unused");

        var drops = SlotDrops.Parse("i1", i1).Concat(SlotDrops.Parse("i2", i2)).ToList();

        drops.Count.ShouldBe(7);
        drops[1].ShouldBe(new SlotDrop("i1", "unused", at.AddMilliseconds(100)));
        SlotDrops.Describe(drops, at, at.AddSeconds(20), Rate).ShouldBe(
            "5 slots dropped between the first and the last call (52 ms): 3 late (i1 1, i2 2), 2 unused (i1 2)",
            "the warm-up's slot before the send and the one after its last call cost it nothing");
        SlotDrops.Describe(drops, at.AddSeconds(6), at.AddSeconds(20), Rate).ShouldBe("no slot dropped between the first and the last call");
    }
}
