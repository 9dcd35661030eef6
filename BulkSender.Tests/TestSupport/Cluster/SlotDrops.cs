using System.Globalization;
using System.Text.RegularExpressions;
using BulkSender.Core.Channels.RateLimits;

namespace BulkSender.Tests.TestSupport;

/// <summary>A rate-limit slot an instance dropped (its limiter's Debug line): whose, why (late, unused, paused) and its time.</summary>
public sealed record SlotDrop(string Instance, string Reason, DateTime Slot);

/// <summary>
/// The slots the instances of a cluster run dropped, read from their output (<c>ChannelRateLimiter</c> logs each one at
/// Debug level): where the time between the first and the last call beyond the slots went, traced per instance.
/// </summary>
public static partial class SlotDrops
{
    /// <summary>The log category the app processes of a cluster run must write at Debug level for this to see anything.</summary>
    public const string Category = "BulkSender.Core.Channels.ChannelRateLimiter";

    /// <summary>Every dropped-slot line in <paramref name="output"/>, an app process's console output.</summary>
    public static IEnumerable<SlotDrop> Parse(string instance, string output) =>
        DropLine().Matches(output).Select(m => new SlotDrop(instance, m.Groups["reason"].Value,
            DateTime.Parse(m.Groups["slot"].Value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)));

    /// <summary>
    /// The drops of slots whose time lies from <paramref name="from"/> to <paramref name="to"/> (the first and the last
    /// call: earlier or later ones cost the send nothing): how many, the time they make at <paramref name="ratePerSecond"/>,
    /// and per reason the count and each instance's share.
    /// </summary>
    public static string Describe(IEnumerable<SlotDrop> drops, DateTime from, DateTime to, double ratePerSecond)
    {
        var within = drops.Where(d => d.Slot >= from && d.Slot <= to).ToArray();
        if (within.Length == 0)
            return "no slot dropped between the first and the last call";
        var cost = TimeSpan.FromTicks(within.Length * SlotPlan.IntervalTicks(ratePerSecond)).TotalMilliseconds;
        var reasons = within.GroupBy(d => d.Reason).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {g.Key} (") +
                string.Join(", ", g.GroupBy(d => d.Instance).OrderBy(i => i.Key, StringComparer.Ordinal)
                    .Select(i => string.Create(CultureInfo.InvariantCulture, $"{i.Key} {i.Count()}"))) + ")");
        return string.Create(CultureInfo.InvariantCulture,
            $"{within.Length} slot{(within.Length == 1 ? "" : "s")} dropped between the first and the last call ({cost:N0} ms): ") +
            string.Join(", ", reasons);
    }

    [GeneratedRegex(@"Rate-limit slot (?<slot>\S+) of \w+ dropped \((?<reason>\w+)\)")]
    private static partial Regex DropLine();
}
