using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Dispatch;

/// <summary>Sends "at a time": held until then, editable and cancellable before, sent like any send after.</summary>
[Trait("Database", "Both")]
public sealed class ScheduledSendTests : IAsyncLifetime
{
    private static readonly DateTime Start = new(2026, 11, 23, 9, 0, 0, DateTimeKind.Utc);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(Start));
    private readonly Actor sender = new("test-user", "tester@test.local");
    private CoreHost host = null!;

    public async Task InitializeAsync() => host = await CoreHost.StartAsync(contacts: 60, clock: clock);

    public async Task DisposeAsync() => await host.DisposeAsync();


    private async Task<int> ScheduleAsync(DateTime at)
    {
        var model = CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 8));
        model.When = SendTiming.At;
        model.ScheduledAt = at;
        return await host.SendAsync(model);
    }

    [Fact]
    public async Task A_scheduled_send_goes_out_at_its_time_and_not_before()
    {
        var messageId = await ScheduleAsync(Start.AddHours(2));
        host.Jobs.Take().ShouldBeEmpty();
        var batch = (await host.BatchesAsync(messageId)).Single();

        clock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        await host.ReconcileAsync();
        await host.RunBatchAsync(batch.Id); // A stray job before the time claims nothing.
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Scheduled);
        (await host.DeliveriesAsync(messageId)).ShouldAllBe(d => d.Status == DeliveryStatus.Pending);

        clock.Advance(TimeSpan.FromSeconds(1));
        await host.ReconcileAsync();
        var message = await host.MessageAsync(messageId);
        message.Status.ShouldBe(MessageStatus.Sent);
        message.StartedAt.ShouldBe(Start.AddHours(2));
        (await host.DeliveriesAsync(messageId)).ShouldAllBe(d => d.Status == DeliveryStatus.Sent);
    }

    [Fact]
    public async Task A_scheduled_send_can_be_taken_back_to_a_draft_before_its_time_and_edited()
    {
        var messageId = await ScheduleAsync(Start.AddHours(2));
        var contacts = (await host.DeliveriesAsync(messageId)).Select(d => d.ContactId!.Value).ToList();
        (await host.Sends.UnscheduleAsync(messageId, sender, CancellationToken.None)).ShouldBeTrue();

        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Draft);
        (await host.DeliveriesAsync(messageId)).ShouldBeEmpty();
        (await host.BatchesAsync(messageId)).ShouldBeEmpty();
        await using (var db = host.NewDbContext())
            (await db.DraftRecipients.Where(r => r.MessageId == messageId).Select(r => r.ContactId).ToListAsync())
                .ShouldBe(contacts, ignoreOrder: true);

        var edited = CoreHost.Compose(ChannelKind.Email, contacts.Take(3), "Edited");
        edited.When = SendTiming.At;
        edited.ScheduledAt = Start.AddHours(3);
        var outcome = await host.Sends.SaveAsync(edited, messageId, sender, CancellationToken.None);
        outcome.Errors.ShouldBeEmpty();
        outcome.Recipients.ShouldBe(3);
        (await host.MessageAsync(messageId)).ScheduledAt.ShouldBe(Start.AddHours(3));
    }

    [Fact]
    public async Task A_scheduled_send_cannot_be_taken_back_once_its_time_has_come()
    {
        var messageId = await ScheduleAsync(Start.AddHours(1));
        clock.Advance(TimeSpan.FromHours(1));
        (await host.Sends.UnscheduleAsync(messageId, sender, CancellationToken.None)).ShouldBeFalse();
        await host.ReconcileAsync();
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sent);
    }
}
