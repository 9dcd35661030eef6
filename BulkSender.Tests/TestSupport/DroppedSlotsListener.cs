using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using BulkSender.Core.Channels;

namespace BulkSender.Tests.TestSupport;

/// <summary>
/// Counts the rate limiter's dropped slots (<c>bulksender.rate_limit.slots_dropped</c>: slots no message used) while it
/// lives, those of one channel and reason when given; <see cref="Between"/> counts those dropped in a span of time, by
/// reason. Shared by the tests and the send benchmark.
/// </summary>
public sealed class DroppedSlotsListener : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<(long At, string? Reason, long Slots)> drops = new();

    public DroppedSlotsListener(ChannelKind? channel = null, string? reason = null)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ChannelRateLimiter.MeterName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? channelTag = null, reasonTag = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "channel")
                    channelTag = tag.Value as string;
                else if (tag.Key == "reason")
                    reasonTag = tag.Value as string;
            }
            if ((channel is null || channelTag == channel.ToString()) && (reason is null || reasonTag == reason))
                drops.Enqueue((Stopwatch.GetTimestamp(), reasonTag, value));
        });
        listener.Start();
    }

    public long Count => drops.Sum(d => d.Slots);

    /// <summary>
    /// The slots dropped for <paramref name="reason"/> from <paramref name="from"/> to <paramref name="to"/>
    /// (<see cref="Stopwatch"/> timestamps).
    /// </summary>
    public long Between(long from, long to, string reason) =>
        drops.Where(d => d.At >= from && d.At <= to && d.Reason == reason).Sum(d => d.Slots);

    public void Dispose() => listener.Dispose();
}
