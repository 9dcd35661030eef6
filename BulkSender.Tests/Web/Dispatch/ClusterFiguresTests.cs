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
            "210 ms beyond the slots; 2 gaps between calls over three slots (31 ms) cost 210 ms, the longest 160 ms from +0.5 s");
    }
}
