using System.Collections.Concurrent;
using System.Diagnostics;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Tests.Core.Channels;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Core.Dispatch;

/// <summary>Sends in flight by Little's law: a batch's recipients go to the provider together, never more than the channel allows.</summary>
[Collection(TimingCollection.Name)]
[Trait("Database", "Both")]
public sealed class ConcurrentSendTests
{
    [Fact]
    public async Task One_batch_of_100_at_50_a_second_with_200_ms_latency_takes_about_2_seconds_not_20_and_keeps_the_limit()
    {
        await using var host = await CoreHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Channels:Simulated:LatencyMs"] = "200",
            ["Channels:RatePerSecond:Email"] = "50",
            ["Channels:MaxInFlight:Email"] = "50",
        });
        var grants = new ConcurrentQueue<long>();
        host.Services.GetRequiredService<ChannelRateLimiter>().Granted = (_, at) => grants.Enqueue(at);
        using var late = new DroppedSlotsListener(ChannelKind.Email, "late");
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 100)));

        var clock = Stopwatch.StartNew();
        await host.RunEnqueuedAsync(workers: 1);
        var elapsed = clock.Elapsed;

        // 99 intervals of 20 ms and one answer of 200 ms: 2.2 s; one at a time it would be 100 × 200 ms.
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8), "one batch alone keeps about 13 sends in flight");
        // One grant per call; a call whose slot passed on its way to the provider (a busy machine) took the next one.
        grants.Count.ShouldBeInRange(100, 100 + (int)late.Count, "a grant per recipient, and one more per slot dropped as late");
        RateLimiterTests.BusiestSecond(grants.ToList()).ShouldBeLessThanOrEqualTo(50, "no one-second window holds more grants than the limit");
        var calls = host.Provider.ForMessage(messageId);
        (calls.Count, calls.Select(s => s.DeliveryId).Distinct().Count()).ShouldBe((100, 100), "each recipient was sent once");
        RateLimiterTests.BusiestSecond(calls.Select(s => s.Timestamp).ToList())
            .ShouldBeLessThanOrEqualTo(50, "nor does any second at the provider hold more calls");
        var message = await host.MessageAsync(messageId);
        (message.Status, message.SentCount, message.Summary)
            .ShouldBe((MessageStatus.Sent, 100, "Sent to 100 recipients. 0 failed. Processed in 1 batch."));
    }

    [Fact]
    public async Task Batches_running_together_never_have_more_sends_in_flight_than_the_channels_maximum()
    {
        var channel = new CountingChannel(TimeSpan.FromMilliseconds(30));
        await using var host = await CoreHost.StartAsync(
            settings: new Dictionary<string, string?> { ["Dispatch:BatchSize"] = "40", ["Channels:MaxInFlight:WhatsApp"] = "6" },
            services: s => s.AddKeyedSingleton<IRealChannel>(ChannelKind.WhatsApp, channel));
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.WhatsApp, await host.ContactsWhoWroteAsync(ChannelKind.WhatsApp, 120)));

        await host.RunEnqueuedAsync(workers: 3);

        channel.Peak.ShouldBe(6, "three batches share the channel's six slots, and fill them");
        channel.Sent.Count.ShouldBe(120);
        channel.Sent.Distinct().Count().ShouldBe(120);
        (await host.BatchesAsync(messageId)).ShouldAllBe(b => b.Status == BatchStatus.Completed && b.SentCount == 40);
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sent);
    }

    [Fact]
    public async Task Cancelling_while_sends_are_in_flight_stops_the_batch_within_one_chunk_and_records_every_answer()
    {
        var channel = new CountingChannel(TimeSpan.FromMilliseconds(50));
        await using var host = await CoreHost.StartAsync(
            settings: new Dictionary<string, string?> { ["Channels:MaxInFlight:WhatsApp"] = "10" },
            services: s => s.AddKeyedSingleton<IRealChannel>(ChannelKind.WhatsApp, channel));
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.WhatsApp, await host.ContactsWhoWroteAsync(ChannelKind.WhatsApp, 100)));
        var run = Task.Run(() => host.RunEnqueuedAsync());

        await SendBatchJobTests.Until(() => channel.Calls >= 20);
        (await host.Sends.CancelAsync(messageId, new Actor("u1", "op"), default)).ShouldBe(CancelOutcome.Cancelled);
        var callsAtCancel = channel.Calls;
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        (channel.Calls - callsAtCancel)
            .ShouldBeLessThanOrEqualTo(DispatchOptions.ProgressEvery, "what was marked before the cancel, at most one chunk");
        channel.Peak.ShouldBeGreaterThan(1);
        var deliveries = await host.DeliveriesAsync(messageId);
        deliveries.Count(d => d.Status == DeliveryStatus.Sent).ShouldBe(channel.Sent.Count, "every answer that came back is recorded");
        deliveries.ShouldAllBe(d => d.Status == DeliveryStatus.Sent || d.Status == DeliveryStatus.Cancelled);
        var message = await host.MessageAsync(messageId);
        (message.Status, message.SentCount).ShouldBe((MessageStatus.Cancelled, channel.Sent.Count));
        (await host.BatchesAsync(messageId)).Single().Status.ShouldBe(BatchStatus.Cancelled);
    }

    /// <summary>A WhatsApp "provider" that answers after a delay and counts the calls it holds at once.</summary>
    private sealed class CountingChannel(TimeSpan latency) : IRealChannel
    {
        private int calls;
        private int current;
        private int peak;

        public ChannelKind Kind => ChannelKind.WhatsApp;

        public int Calls => Volatile.Read(ref calls);

        public int Peak => Volatile.Read(ref peak);

        public ConcurrentQueue<string> Sent { get; } = new();

        public Task<bool> IsConfiguredAsync(CancellationToken cancellationToken) => Task.FromResult(true);

        public async Task<ChannelResult> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref calls);
            var now = Interlocked.Increment(ref current);
            for (var seen = Peak; now > seen && Interlocked.CompareExchange(ref peak, now, seen) != seen; seen = Peak)
            {
            }
            try
            {
                await Task.Delay(latency, cancellationToken);
                Sent.Enqueue(message.Address);
                return ChannelResult.Sent($"wamid.{message.DeliveryId}");
            }
            finally
            {
                Interlocked.Decrement(ref current);
            }
        }
    }
}
