using System.Collections.Concurrent;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Funnel;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static BulkSender.Tests.TestSupport.FunnelBuilder;

namespace BulkSender.Tests.Core.Funnel;

[Trait("Database", "Both")]
public sealed class FunnelQueriesTests : ChannelServicesTest
{
    private FunnelQueries Funnel => Services.GetRequiredService<FunnelQueries>();

    private async Task<(int MessageId, List<Delivery> Latest)> MessageAsync(params Func<Delivery, Delivery>[][] attemptsPerContact)
    {
        await using var db = Database.CreateDbContext();
        return await FunnelBuilder.MessageAsync(db, attemptsPerContact);
    }

    [Fact]
    public async Task Each_recipient_counts_once_by_its_latest_attempt()
    {
        var (id, _) = await MessageAsync(
            [Failed, Failed, Read],       // retried twice, then read: one recipient, read
            [Closed],
            [Failed, Failed],             // still failed after a retry
            [Sent],
            [Delivered],
            [Failed, Pending]);           // a retry round not sent yet

        var funnel = await Funnel.ForMessageAsync(id, CancellationToken.None);

        funnel.ShouldBe(new MessageFunnel(Total: 6, Sent: 4, Delivered: 3, Read: 2, Replied: 1, Closed: 1, Failed: 1));
        funnel!.PercentOfSent(funnel.Delivered).ShouldBe(75);
        funnel.PercentOfSent(funnel.Replied).ShouldBe(25);
        funnel.Stages.Select(s => s.Stage).ShouldBe(["Sent", "Delivered", "Read", "Replied", "Closed"]);
    }

    [Fact]
    public async Task Other_messages_do_not_count_and_an_unknown_message_has_no_funnel()
    {
        var (id, _) = await MessageAsync([Delivered], [Sent]);
        await MessageAsync([Closed], [Closed], [Closed]);
        var (empty, _) = await MessageAsync();

        (await Funnel.ForMessageAsync(id, CancellationToken.None)).ShouldBe(new MessageFunnel(2, 2, 1, 0, 0, 0, 0));
        (await Funnel.ForMessageAsync(empty, CancellationToken.None)).ShouldBe(MessageFunnel.Empty);
        MessageFunnel.Empty.PercentOfSent(0).ShouldBe(0);
        (await Funnel.ForMessageAsync(999_999, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task Closing_a_conversation_counts_it_closed_once_and_tells_the_live_displays()
    {
        var progress = new RecordingProgress();
        var updater = ActivatorUtilities.CreateInstance<DeliveryStatusUpdater>(Services, progress);
        var (id, latest) = await MessageAsync([Replied], [Read]);

        (await updater.MarkClosedAsync(latest[0].Id, T0.AddMinutes(5), CancellationToken.None)).ShouldBeTrue();
        (await updater.MarkClosedAsync(latest[0].Id, T0.AddMinutes(6), CancellationToken.None)).ShouldBeFalse("the first close counts");

        (await Funnel.ForMessageAsync(id, CancellationToken.None))!.Closed.ShouldBe(1);
        await using var db = Database.CreateDbContext();
        (await db.Deliveries.SingleAsync(d => d.Id == latest[0].Id)).ClosedAt.ShouldBe(T0.AddMinutes(5));
        progress.Funnels.ShouldBe([id]);
    }

    [Fact]
    public async Task Provider_events_tell_the_live_displays_which_message_moved()
    {
        var progress = new RecordingProgress();
        var updater = ActivatorUtilities.CreateInstance<DeliveryStatusUpdater>(Services, progress);
        var (id, latest) = await MessageAsync([Sent], [Sent]);

        await updater.MarkDeliveredAsync(ChannelKind.Email, latest[0].ProviderMessageId!, T0.AddSeconds(5), CancellationToken.None);
        await updater.MarkReadAsync(ChannelKind.Email, "unknown-id", T0.AddSeconds(5), CancellationToken.None);

        progress.Funnels.ShouldBe([id], "one report for the delivered event, none for an event that matched nothing");
        (await Funnel.ForMessageAsync(id, CancellationToken.None))!.Delivered.ShouldBe(1);
    }

    private sealed class RecordingProgress : IDispatchProgress
    {
        private readonly ConcurrentQueue<int> funnels = new();

        public IReadOnlyList<int> Funnels => funnels.ToArray();

        public void Progressed(BatchSnapshot batch)
        {
        }

        public void BatchChanged(BatchSnapshot batch)
        {
        }

        public void MessageChanged(int messageId)
        {
        }

        public void MessageCompleted(int messageId)
        {
        }

        public void FunnelChanged(int messageId) => funnels.Enqueue(messageId);
    }
}
