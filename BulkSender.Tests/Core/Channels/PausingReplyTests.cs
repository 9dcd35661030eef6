using System.Diagnostics;
using System.Text.RegularExpressions;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Core.Channels;

/// <summary>
/// A pausing reply (WhatsApp's 131048: the number is restricted for spam) stops every call of the channel that has not
/// left yet, those already past the gate and waiting for their rate-limiter slot included, and the batch waits for an
/// admin whichever recipient got the reply, the last one included. Against a Cloud API server on loopback, real time.
/// </summary>
[Trait("Database", "Both")]
public sealed partial class PausingReplyTests : CloudApiSendTest
{
    private static readonly Actor Admin = new("admin-id", "admin@test.local");

    private static string SpamRateLimit => ProviderServer.CloudApiError(131048, "Spam rate limit hit",
        "Message failed to send because there are restrictions on how many messages can be sent from this phone number.");

    /// <summary>
    /// Answers the <paramref name="pausing"/>th request with 131048 (Retry-After: <paramref name="retryAfter"/>, else
    /// 1 s), every other one with success, each after <paramref name="latency"/>; returns when the app knew of the pause
    /// (a <see cref="Stopwatch"/> timestamp, 0: not yet).
    /// </summary>
    private Func<long> AnswerWithSpamRateLimit(int pausing, TimeSpan latency, TimeSpan? retryAfter = null)
    {
        var pausedAt = 0L;
        Host.Services.GetRequiredService<ChannelPauses>().Changed += () => Volatile.Write(ref pausedAt, Stopwatch.GetTimestamp());
        AnswerTheNthWithError(pausing, SpamRateLimit, retryAfter ?? TimeSpan.FromSeconds(1), latency);
        return () => Volatile.Read(ref pausedAt);
    }

    private Dictionary<string, int> RequestsPerAddress() => Server.Requests
        .GroupBy(r => To().Match(r.Body).Groups[1].Value).ToDictionary(g => g.Key, g => g.Count());

    [GeneratedRegex("\"to\":\"(\\d+)\"")]
    private static partial Regex To();

    [Fact]
    public async Task A_call_waiting_for_its_slot_when_the_channel_is_paused_is_not_made_and_goes_after_the_resume()
    {
        var ids = await Host.ContactsWhoWroteAsync(ChannelKind.WhatsApp, 40);
        var pausedAt = AnswerWithSpamRateLimit(pausing: 3, latency: TimeSpan.FromMilliseconds(200));
        var messageId = await Host.SendAsync(CoreHost.Compose(ChannelKind.WhatsApp, ids));

        await Host.RunEnqueuedAsync();

        pausedAt().ShouldNotBe(0L);
        var late = Server.Requests.Where(r => Stopwatch.GetElapsedTime(pausedAt(), r.ArrivedAt) > TimeSpan.FromMilliseconds(500)).ToList();
        late.ShouldBeEmpty("no call leaves once the channel is paused (those on their way then have arrived within half a " +
            "second): those that waited out the 131048's back-off (1 s) for a slot were not made");
        var reached = Server.Requests.Count;
        reached.ShouldBeLessThan(ids.Count, "the pause stopped the send");
        var deliveries = await Host.DeliveriesAsync(messageId);
        deliveries.Count(d => d.Status == DeliveryStatus.Sent).ShouldBe(reached - 1);
        deliveries.Where(d => d.Status != DeliveryStatus.Sent)
            .ShouldAllBe(d => d.Status == DeliveryStatus.Pending && d.AttemptNumber == 1 && d.ErrorCode == null);
        (await Host.BatchesAsync(messageId)).ShouldAllBe(b => b.Status != BatchStatus.Processing && b.FailedCount == 0);
        var pause = (await Host.Services.GetRequiredService<ChannelPauses>().ListAsync(CancellationToken.None)).ShouldHaveSingleItem();
        pause.ErrorCode.ShouldBe("131048");

        Server.AcceptAll();
        (await Host.Services.GetRequiredService<ChannelResume>().ResumeAsync(ChannelKind.WhatsApp, Admin, CancellationToken.None))
            .ShouldNotBeNull();
        await Host.RunEnqueuedAsync();

        (await Host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sent);
        var perAddress = RequestsPerAddress();
        perAddress.Count.ShouldBe(ids.Count);
        perAddress.Values.Sum().ShouldBe(ids.Count + 1, "each recipient reached once, the one the 131048 answered twice");
    }

    [Fact]
    public async Task The_last_recipients_pausing_reply_leaves_the_batch_to_go_on_after_the_resume()
    {
        var ids = await Host.ContactsWhoWroteAsync(ChannelKind.WhatsApp, 1);
        AnswerWithSpamRateLimit(pausing: 1, latency: TimeSpan.Zero);
        var messageId = await Host.SendAsync(CoreHost.Compose(ChannelKind.WhatsApp, ids));

        await Host.RunEnqueuedAsync();

        Server.Requests.Count.ShouldBe(1);
        (await Host.DeliveriesAsync(messageId)).ShouldHaveSingleItem().Status.ShouldBe(DeliveryStatus.Pending);
        (await Host.BatchesAsync(messageId)).ShouldHaveSingleItem().Status.ShouldBe(BatchStatus.Pending,
            "the batch waits for the resume, as when the gate finds the channel paused");
        (await Host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sending);

        Server.AcceptAll();
        (await Host.Services.GetRequiredService<ChannelResume>().ResumeAsync(ChannelKind.WhatsApp, Admin, CancellationToken.None))
            .ShouldBe(new ChannelResumed(ChannelKind.WhatsApp, 1));
        await Host.RunEnqueuedAsync();

        Server.Requests.Count.ShouldBe(2);
        (await Host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sent);
    }

    /// <summary>
    /// The operator cancels the send once the channel paused, while its batch still waits out the 131048's back-off: the
    /// batch ends Cancelled and the send at once (not back to Pending for the resume, ending only at the next
    /// reconciliation, a minute later, when the "Cancelled" notice would come out of nowhere).
    /// </summary>
    [Fact]
    public async Task A_send_cancelled_after_its_channel_paused_ends_at_once()
    {
        var ids = await Host.ContactsWhoWroteAsync(ChannelKind.WhatsApp, 40);
        var pausedAt = AnswerWithSpamRateLimit(pausing: 3, latency: TimeSpan.FromMilliseconds(200), retryAfter: TimeSpan.FromSeconds(3));
        var messageId = await Host.SendAsync(CoreHost.Compose(ChannelKind.WhatsApp, ids));

        var running = Host.RunEnqueuedAsync();
        await Waiting.UntilAsync(() => pausedAt() != 0, "the channel to pause", TimeSpan.FromSeconds(20));
        (await Host.BatchesAsync(messageId)).ShouldHaveSingleItem().Status.ShouldBe(BatchStatus.Processing, "it waits out the back-off");
        (await Host.Sends.CancelAsync(messageId, Admin, CancellationToken.None)).ShouldBe(CancelOutcome.Cancelled);
        await running.WaitAsync(TimeSpan.FromSeconds(30));

        (await Host.BatchesAsync(messageId)).ShouldHaveSingleItem().Status.ShouldBe(BatchStatus.Cancelled);
        var message = await Host.MessageAsync(messageId);
        message.Status.ShouldBe(MessageStatus.Cancelled);
        message.CompletedAt.ShouldNotBeNull("the send ended with its batch");
        (await Host.DeliveriesAsync(messageId)).ShouldAllBe(d => d.Status != DeliveryStatus.Pending && d.Status != DeliveryStatus.Sending);
    }
}
