using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;

namespace BulkSender.Tests.Core.Dispatch;

/// <summary>
/// A send cancelled while its batch hands over a chunk (five recipients marked Sending): once the cancel is known, the
/// rest of the chunk stops at the gate. Against a Cloud API server on loopback, real time.
/// </summary>
[Trait("Database", "Both")]
public sealed class CancelMidChunkTests : CloudApiSendTest
{

    /// <summary>WhatsApp's messaging limit, so what the gate takes from it shows in the contacts it counts.</summary>
    protected override IReadOnlyDictionary<string, string?> MoreSettings { get; } =
        new Dictionary<string, string?> { ["Channels:WhatsApp:MessagingLimit"] = "1000" };

    [Fact]
    public async Task The_rest_of_a_chunk_whose_send_was_cancelled_takes_none_of_the_messaging_limit()
    {
        // A template to contacts who never wrote (the host's WhatsApp contacts): each counts toward the messaging limit
        // as the gate lets it through.
        var ids = await Host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 10);
        await Host.AddGreetingTemplateAsync();
        Server.AcceptAll();
        var accept = Server.Respond;
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Server.Respond = async (request, ctx) =>
        {
            await answer.Task;
            await accept(request, ctx);
        };
        var messageId = await Host.SendAsync(CoreHost.Greeting(ids));

        var running = Host.RunEnqueuedAsync();
        // A channel's first call in a process goes alone until it is answered: the second recipient waits at the gate.
        await Waiting.UntilAsync(() => !Server.Requests.IsEmpty, "the first call to reach the provider", TimeSpan.FromSeconds(20));
        (await Host.Sends.CancelAsync(messageId, Accounts.Operator, CancellationToken.None)).ShouldBe(CancelOutcome.Cancelled);
        answer.SetResult();
        await running.WaitAsync(TimeSpan.FromSeconds(30));

        Server.Requests.Count.ShouldBe(1);
        await using (var db = Host.NewDbContext())
            db.MessagingLimitContacts.Count().ShouldBe(1, "the limit counts the one contact reached: the four others of its chunk " +
                "stopped at the gate before it (and before the rate limiter: no slot taken either)");
        var deliveries = await Host.DeliveriesAsync(messageId);
        deliveries.Count(d => d.Status == DeliveryStatus.Sent).ShouldBe(1);
        deliveries.Count(d => d.Status == DeliveryStatus.Cancelled).ShouldBe(9, "the rest of the chunk with the rest of the batch");
        (await Host.BatchesAsync(messageId)).ShouldHaveSingleItem().Status.ShouldBe(BatchStatus.Cancelled);
        var message = await Host.MessageAsync(messageId);
        message.Status.ShouldBe(MessageStatus.Cancelled);
        message.CompletedAt.ShouldNotBeNull("the send ended");
    }
}
