using System.Diagnostics;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Core.Dispatch;

/// <summary>
/// An operator cancels a send while its calls wait out a provider's rate-limit reply (its Retry-After) for their slots:
/// none of them is made afterwards; they would reach their recipients that long after the cancel. Against a Cloud API
/// server on loopback, real time.
/// </summary>
[Trait("Database", "Both")]
public sealed class CancelDuringBackOffTests : CloudApiSendTest
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(3);

    /// <summary>A heartbeat every second (not 30 s): another instance's cancel is learnt by it.</summary>
    protected override IReadOnlyDictionary<string, string?> MoreSettings { get; } =
        new Dictionary<string, string?> { ["Dispatch:HeartbeatInterval"] = "00:00:01" };

    /// <summary>Answers the third request with 130429 (throughput reached, Retry-After 3 s), every other with success, after 200 ms.</summary>
    private void AnswerTheThirdWithRateLimit() => AnswerTheNthWithError(3, ProviderServer.CloudApiError(130429, "Rate limit hit",
        "Cloud API message throughput has been reached."), RetryAfter, TimeSpan.FromMilliseconds(200));

    private bool BackingOff()
    {
        using var db = Host.NewDbContext();
        return db.RateLimitAccounts.Single(a => a.Channel == ChannelKind.WhatsApp).PausedUntil > 0;
    }

    [Fact]
    public async Task A_send_cancelled_while_its_calls_wait_out_a_rate_limit_reply_makes_none_of_them()
    {
        var ids = await Host.ContactsWhoWroteAsync(ChannelKind.WhatsApp, 40);
        AnswerTheThirdWithRateLimit();
        var messageId = await Host.SendAsync(CoreHost.Compose(ChannelKind.WhatsApp, ids));

        var running = Host.RunEnqueuedAsync();
        await Waiting.UntilAsync(BackingOff, "the 130429's back-off to be known", TimeSpan.FromSeconds(20));
        (await Host.Sends.CancelAsync(messageId, Accounts.Operator, CancellationToken.None)).ShouldBe(CancelOutcome.Cancelled);
        var cancelledAt = Stopwatch.GetTimestamp();
        await running.WaitAsync(TimeSpan.FromSeconds(30));

        var late = Server.Requests.Where(r => Stopwatch.GetElapsedTime(cancelledAt, r.ArrivedAt) > TimeSpan.FromMilliseconds(500)).ToList();
        late.ShouldBeEmpty($"no call leaves once the send is cancelled (those on their way then have arrived within half a second): " +
            $"those that waited out the back-off ({RetryAfter.TotalSeconds:N0} s) for a slot were not made");
        var message = await Host.MessageAsync(messageId);
        message.Status.ShouldBe(MessageStatus.Cancelled);
        message.CompletedAt.ShouldNotBeNull("the send ended");
        var deliveries = await Host.DeliveriesAsync(messageId);
        deliveries.Count(d => d.Status == DeliveryStatus.Sent).ShouldBe(Server.Requests.Count - 1);
        deliveries.Where(d => d.Status == DeliveryStatus.Failed).ShouldHaveSingleItem().ErrorType.ShouldBe(ErrorType.RateLimit);
        deliveries.Count(d => d.Status == DeliveryStatus.Cancelled).ShouldBe(ids.Count - Server.Requests.Count,
            "every recipient not reached ends Cancelled, those whose calls were withheld too");
        (await Host.BatchesAsync(messageId)).ShouldHaveSingleItem().Status.ShouldBe(BatchStatus.Cancelled);
    }

    /// <summary>Sends to one recipient while a 5 s back-off runs; returns the send, once its recipient is on its way.</summary>
    private async Task<(int MessageId, Task Running)> OneRecipientWaitingOutABackOffAsync()
    {
        var ids = await Host.ContactsWhoWroteAsync(ChannelKind.WhatsApp, 1);
        Server.AcceptAll();
        var limiter = Host.Services.GetRequiredService<ChannelRateLimiter>();
        await limiter.BackOffAsync(ChannelKind.WhatsApp, TimeSpan.FromSeconds(5), DateTimeOffset.UtcNow, CancellationToken.None);
        var messageId = await Host.SendAsync(CoreHost.Compose(ChannelKind.WhatsApp, ids));

        var running = Host.RunEnqueuedAsync();
        await Waiting.UntilAsync(() =>
        {
            using var db = Host.NewDbContext();
            return db.Deliveries.Any(d => d.MessageId == messageId && d.Status == DeliveryStatus.Sending);
        }, "the recipient to be on its way", TimeSpan.FromSeconds(10));
        return (messageId, running);
    }

    private async Task EndedCancelledWithoutACallAsync(int messageId)
    {
        Server.Requests.ShouldBeEmpty("the send was cancelled while its call waited for the back-off's end");
        (await Host.DeliveriesAsync(messageId)).ShouldHaveSingleItem().Status.ShouldBe(DeliveryStatus.Cancelled);
        (await Host.BatchesAsync(messageId)).ShouldHaveSingleItem().Status.ShouldBe(BatchStatus.Cancelled);
        var message = await Host.MessageAsync(messageId);
        message.Status.ShouldBe(MessageStatus.Cancelled);
        message.CompletedAt.ShouldNotBeNull("the send ended");
    }

    /// <summary>
    /// Another instance cancels the send while this one's batch waits out a back-off for its last recipient's slot: the
    /// batch's heartbeat learns of it (this batch marks no further chunk), and the call is not made.
    /// </summary>
    [Fact]
    public async Task Another_instances_cancel_reaches_a_call_waiting_here_through_the_heartbeat()
    {
        var (messageId, running) = await OneRecipientWaitingOutABackOffAsync();
        await using (var another = await Host.AnotherInstanceAsync())
            (await another.Sends.CancelAsync(messageId, Accounts.Operator, CancellationToken.None)).ShouldBe(CancelOutcome.Cancelled);
        await running.WaitAsync(TimeSpan.FromSeconds(30));

        await EndedCancelledWithoutACallAsync(messageId);
    }

    /// <summary>
    /// The batch's last recipient waits out a back-off for its slot when the send is cancelled: its call is not made, and
    /// the batch ends Cancelled (not back to Pending as for a paused channel, which would leave the send unfinished).
    /// </summary>
    [Fact]
    public async Task The_last_recipients_withheld_call_ends_its_batch_cancelled()
    {
        var (messageId, running) = await OneRecipientWaitingOutABackOffAsync();
        (await Host.Sends.CancelAsync(messageId, Accounts.Operator, CancellationToken.None)).ShouldBe(CancelOutcome.Cancelled);
        await running.WaitAsync(TimeSpan.FromSeconds(30));

        await EndedCancelledWithoutACallAsync(messageId);
    }
}
