using System.Diagnostics.Metrics;
using BulkSender.Core.Channels;

namespace BulkSender.Tests.TestSupport;

/// <summary>
/// Counts the rate limiter's dropped slots (<c>bulksender.rate_limit.slots_dropped</c>: slots no message used) while it
/// lives, those of one channel and reason when given. Shared by the tests and the send benchmark.
/// </summary>
public sealed class DroppedSlotsListener : IDisposable
{
    private readonly MeterListener listener = new();
    private long count;

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
                Interlocked.Add(ref count, value);
        });
        listener.Start();
    }

    public long Count => Interlocked.Read(ref count);

    public void Dispose() => listener.Dispose();
}
