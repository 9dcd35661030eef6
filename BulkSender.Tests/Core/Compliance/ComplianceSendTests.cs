using System.Collections.Concurrent;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Messenger;
using BulkSender.Core.Compliance;
using BulkSender.Core.Contacts;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Funnel;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Compliance;

/// <summary>The compliance rules on the send path: Messenger's 24-hour window, and opt-outs that arrive mid-send.</summary>
public sealed class ComplianceSendTests
{
    private static readonly DateTime Now = new(2026, 11, 24, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Actor Operator = new("op", "operator@test.local");

    private static async Task SetLastInboundAsync(CoreHost host, IEnumerable<int> contactIds, DateTime? at)
    {
        var ids = contactIds.ToList();
        await using var db = host.NewDbContext();
        await db.Contacts.Where(c => ids.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastInboundAt, at));
    }

    /// <summary>Ten Messenger contacts: six wrote within 24 hours, two 25 hours ago, two never.</summary>
    private static async Task<(List<int> Inside, List<int> Outside)> TenMessengerContactsAsync(CoreHost host)
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Messenger, 10);
        await SetLastInboundAsync(host, ids[..6], Now.AddHours(-23));
        await SetLastInboundAsync(host, ids[6..8], Now.AddHours(-25));
        await SetLastInboundAsync(host, ids[8..], null);
        return (ids[..6], ids[6..]);
    }

    private static async Task<string> AddressOfAsync(CoreHost host, int contactId)
    {
        await using var db = host.NewDbContext();
        return await db.Contacts.Where(c => c.Id == contactId).Select(c => c.Address).SingleAsync();
    }

    /// <summary>The Messenger contact sends the page a message now (what the webhook records).</summary>
    private static async Task WritesInAsync(CoreHost host, int contactId, string text, TimeProvider clock) =>
        await host.Services.GetRequiredService<DeliveryStatusUpdater>()
            .RecordInboundAsync(ChannelKind.Messenger, await AddressOfAsync(host, contactId), text,
                clock.GetUtcNow().UtcDateTime, CancellationToken.None);

    [Fact]
    public async Task Messenger_recipients_outside_the_24_hour_window_fail_as_permission_without_reaching_the_provider()
    {
        await using var host = await CoreHost.StartAsync(clock: new FakeTimeProvider(Now));
        var (inside, outside) = await TenMessengerContactsAsync(host);
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Messenger, [.. inside, .. outside]));

        await host.RunEnqueuedAsync();

        var deliveries = await host.DeliveriesAsync(messageId);
        host.Provider.ForMessage(messageId).Select(s => s.DeliveryId).Order()
            .ShouldBe(deliveries.Where(d => inside.Contains(d.ContactId!.Value)).Select(d => d.Id).Order(),
                "only contacts inside the window reach the provider");
        var refused = deliveries.Where(d => outside.Contains(d.ContactId!.Value)).ToList();
        refused.ShouldAllBe(d => d.Status == DeliveryStatus.Failed && d.ErrorType == ErrorType.Permission
            && d.ErrorCode == MessagingWindow.ErrorCode && d.ErrorMessage == MessengerMessaging.OutsideWindowReason && d.FailedAt != null);
        refused.Count.ShouldBe(4);
        var message = await host.MessageAsync(messageId);
        (message.Status, message.SentCount, message.FailedCount).ShouldBe((MessageStatus.PartiallySent, 6, 4));
    }

    [Fact]
    public async Task A_message_saved_with_a_retired_tag_still_reaches_only_the_contacts_inside_the_window()
    {
        await using var host = await CoreHost.StartAsync(clock: new FakeTimeProvider(Now));
        var (inside, outside) = await TenMessengerContactsAsync(host);
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Messenger, [.. inside, .. outside]));
        await using (var db = host.NewDbContext())
            await db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(s => s.SetProperty(m => m.MessageTag, "CONFIRMED_EVENT_UPDATE"));

        await host.RunEnqueuedAsync();

        host.Provider.ForMessage(messageId).Count.ShouldBe(6);
        var message = await host.MessageAsync(messageId);
        (message.Status, message.SentCount, message.FailedCount).ShouldBe((MessageStatus.PartiallySent, 6, 4));
    }

    [Fact]
    public async Task The_window_is_judged_when_the_recipient_is_sent_not_when_the_send_was_created()
    {
        var clock = new FakeTimeProvider(Now);
        await using var host = await CoreHost.StartAsync(clock: clock);
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Messenger, 3);
        await SetLastInboundAsync(host, ids, Now.AddHours(-23));
        var model = CoreHost.Compose(ChannelKind.Messenger, ids);
        (model.When, model.ScheduledAt) = (SendTiming.At, Now.AddHours(2));
        var messageId = await host.SendAsync(model);

        clock.Advance(TimeSpan.FromHours(2));
        await host.ReconcileAsync();

        host.Provider.ForMessage(messageId).ShouldBeEmpty("the contacts' windows closed while the send waited for its time");
        (await host.DeliveriesAsync(messageId)).ShouldAllBe(d => d.ErrorCode == MessagingWindow.ErrorCode);
    }

    [Fact]
    public async Task A_recipient_refused_for_the_window_is_not_retryable_until_the_contact_writes_again_then_a_retry_reaches_it()
    {
        var clock = new FakeTimeProvider(Now);
        await using var host = await CoreHost.StartAsync(clock: clock);
        var (inside, outside) = await TenMessengerContactsAsync(host);
        var model = CoreHost.Compose(ChannelKind.Messenger, [.. inside, .. outside]);
        model.MaxAttempts = 3;
        var messageId = await host.SendAsync(model);
        await host.RunEnqueuedAsync();
        var queries = host.Services.GetRequiredService<FailedRecipientQueries>();
        var planner = host.Services.GetRequiredService<RetryPlanner>();

        var report = (await queries.GetAsync(messageId, CancellationToken.None))!;
        report.Retryable.ShouldBe(0);
        report.Recipients.ShouldAllBe(r => r.NotRetryableReason == RetryRules.OutsideWindowReason);
        (await planner.RetryAsync(messageId, RetryRequest.All, Operator, RetryTrigger.Manual, CancellationToken.None)).Status
            .ShouldBe(RetryStatus.NothingToRetry);

        clock.Advance(TimeSpan.FromMinutes(30));
        await WritesInAsync(host, outside[0], "Hi again", clock);

        report = (await queries.GetAsync(messageId, CancellationToken.None))!;
        report.Retryable.ShouldBe(1);
        report.Recipients.Single(r => r.ContactId == outside[0]).Retryable.ShouldBeTrue();
        var round = await planner.RetryAsync(messageId, RetryRequest.All, Operator, RetryTrigger.Manual, CancellationToken.None);
        round.Recipients.ShouldBe(1);
        await host.RunEnqueuedAsync();
        var retried = (await host.DeliveriesAsync(messageId)).Single(d => d.AttemptNumber == 2);
        (retried.ContactId, retried.Status).ShouldBe((outside[0], DeliveryStatus.Sent));
        host.Provider.ForMessage(messageId).ShouldContain(s => s.DeliveryId == retried.Id);
    }

    [Fact]
    public async Task A_window_refusal_reported_by_Messenger_itself_waits_for_the_contact_to_write_again_too()
    {
        var clock = new FakeTimeProvider(Now);
        await using var host = await CoreHost.StartAsync(clock: clock);
        var (inside, _) = await TenMessengerContactsAsync(host);
        var model = CoreHost.Compose(ChannelKind.Messenger, inside[..2]);
        model.MaxAttempts = 3;
        var messageId = await host.SendAsync(model);
        await host.RunEnqueuedAsync();
        // What the adapter records when Graph answers code 10, subcode 2018278 (a window our copy of the contact missed).
        await using (var db = host.NewDbContext())
            await db.Deliveries.Where(d => d.MessageId == messageId).ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.Failed).SetProperty(d => d.ProviderMessageId, (string?)null)
                .SetProperty(d => d.SentAt, (DateTime?)null).SetProperty(d => d.ErrorType, ErrorType.Permission)
                .SetProperty(d => d.ErrorCode, MessagingWindow.GraphErrorCode).SetProperty(d => d.FailedAt, clock.GetUtcNow().UtcDateTime));
        var queries = host.Services.GetRequiredService<FailedRecipientQueries>();

        var report = (await queries.GetAsync(messageId, CancellationToken.None))!;
        report.Retryable.ShouldBe(0);
        report.Recipients.ShouldAllBe(r => r.NotRetryableReason == RetryRules.OutsideWindowReason);

        clock.Advance(TimeSpan.FromMinutes(5));
        await WritesInAsync(host, inside[0], "Hello?", clock);

        report = (await queries.GetAsync(messageId, CancellationToken.None))!;
        report.Retryable.ShouldBe(1);
        report.Recipients.Single(r => r.ContactId == inside[0]).Retryable.ShouldBeTrue();
    }

    [Fact]
    public async Task A_contact_who_sends_STOP_while_its_batch_is_running_gets_no_message_after_the_opt_out()
    {
        var channel = new GatedChannel(holdAtSend: 7);
        await using var host = await CoreHost.StartAsync(services: s => s.AddKeyedSingleton<IRealChannel>(ChannelKind.WhatsApp, channel));
        var ids = await host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 40);
        await SetLastInboundAsync(host, ids, DateTime.UtcNow.AddMinutes(-5)); // free text reaches only the customer service window
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.WhatsApp, ids));
        Contact[] contacts;
        await using (var db = host.NewDbContext())
            contacts = await db.Contacts.Where(c => ids.Contains(c.Id)).OrderBy(c => c.Id).ToArrayAsync();
        // The 8th recipient is in the chunk the batch holds in flight (6–10); the 30th is further on.
        var (inFlight, later) = (contacts[7], contacts[29]);

        var run = Task.Run(() => host.RunEnqueuedAsync());
        await channel.Held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var updater = host.Services.GetRequiredService<DeliveryStatusUpdater>();
        (await updater.RecordInboundAsync(ChannelKind.WhatsApp, inFlight.Address, "STOP",
            DateTime.UtcNow, CancellationToken.None)).OptedOut.ShouldBeTrue();
        (await updater.RecordInboundAsync(ChannelKind.WhatsApp, later.Address, " stop ",
            DateTime.UtcNow, CancellationToken.None)).OptedOut.ShouldBeTrue();
        channel.Release.SetResult();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        channel.Sent.ShouldNotContain(inFlight.Address);
        channel.Sent.ShouldNotContain(later.Address);
        channel.Sent.Count.ShouldBe(38);
        var deliveries = await host.DeliveriesAsync(messageId);
        var skipped = deliveries.Where(d => d.Status == DeliveryStatus.Cancelled).ToList();
        skipped.Select(d => d.ContactId!.Value).ShouldBe([inFlight.Id, later.Id], ignoreOrder: true);
        skipped.ShouldAllBe(d => d.ErrorMessage == "Opted out before it was sent.");
        var message = await host.MessageAsync(messageId);
        (message.Status, message.SentCount, message.SkippedCount).ShouldBe((MessageStatus.Sent, 38, 2));
        message.Summary.ShouldBe("Sent to 38 recipients. 0 failed. 2 skipped (opted out). Processed in 1 batch.");
        var batch = (await host.BatchesAsync(messageId)).Single();
        (batch.SentCount, batch.SkippedCount).ShouldBe((38, 2));
    }

    [Fact]
    public async Task A_retry_round_never_reaches_a_contact_who_opted_out_after_failing_even_when_the_round_was_already_planned()
    {
        await using var host = await CoreHost.StartAsync(
            settings: new Dictionary<string, string?> { ["Channels:Simulated:FailureRates:Network"] = "1" });
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 12);
        var model = CoreHost.Compose(ChannelKind.Email, ids);
        model.MaxAttempts = 3;
        var messageId = await host.SendAsync(model);
        await host.RunEnqueuedAsync();
        var optOuts = host.Services.GetRequiredService<OptOuts>();
        var planner = host.Services.GetRequiredService<RetryPlanner>();
        string[] addresses;
        await using (var db = host.NewDbContext())
            addresses = await db.Contacts.Where(c => ids.Contains(c.Id)).OrderBy(c => c.Id).Select(c => c.Address).ToArrayAsync();

        // Opted out before the round: left out of it.
        await optOuts.OptOutAsync(ChannelKind.Email, addresses[0], "unsubscribe link", CancellationToken.None);
        (await planner.RetryAsync(messageId, RetryRequest.All, Operator, RetryTrigger.Manual, CancellationToken.None)).Recipients.ShouldBe(11);
        // Opted out after the round was planned, before its batch ran: skipped by the batch.
        await optOuts.OptOutAsync(ChannelKind.Email, addresses[1], "unsubscribe link", CancellationToken.None);
        await host.RunEnqueuedAsync();

        var secondAttempts = (await host.DeliveriesAsync(messageId)).Where(d => d.AttemptNumber == 2).ToList();
        secondAttempts.ShouldNotContain(d => d.ContactId == ids[0]);
        secondAttempts.Single(d => d.ContactId == ids[1]).Status.ShouldBe(DeliveryStatus.Cancelled);
        host.Provider.ForMessage(messageId).Where(s => s.AttemptNumber == 2).Count().ShouldBe(10);
        var report = (await host.Services.GetRequiredService<FailedRecipientQueries>().GetAsync(messageId, CancellationToken.None))!;
        report.Recipients.Single(r => r.ContactId == ids[0]).NotRetryableReason.ShouldBe(RetryRules.OptedOutReason);
        (await planner.RetryAsync(messageId, RetryRequest.All, Operator, RetryTrigger.Manual, CancellationToken.None)).Recipients
            .ShouldBe(10, "the next round again leaves both out");
    }

    [Fact]
    public async Task A_campaign_day_never_reaches_a_contact_who_opted_out_after_the_campaign_started()
    {
        var clock = new FakeTimeProvider(Now);
        await using var host = await CoreHost.StartAsync(clock: clock);
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 6);
        var model = CoreHost.Compose(ChannelKind.Email, ids, "Campaign");
        (model.When, model.DailyLimit) = (SendTiming.Campaign, 3);
        var messageId = await host.SendAsync(model);
        await host.RunEnqueuedAsync();
        host.Provider.ForMessage(messageId).Count.ShouldBe(3);
        var address = await AddressOfAsync(host, ids[4]);

        await host.Services.GetRequiredService<OptOuts>().OptOutAsync(ChannelKind.Email, address, "unsubscribe link", CancellationToken.None);
        clock.Advance(TimeSpan.FromHours(24));
        await host.ReconcileAsync();

        var deliveries = await host.DeliveriesAsync(messageId);
        host.Provider.ForMessage(messageId).Select(s => s.DeliveryId).ShouldNotContain(deliveries.Single(d => d.ContactId == ids[4]).Id);
        host.Provider.ForMessage(messageId).Count.ShouldBe(5);
        deliveries.Single(d => d.ContactId == ids[4]).Status.ShouldBe(DeliveryStatus.Cancelled);
    }

    /// <summary>A WhatsApp "provider" that holds the batch at one send until the test releases it.</summary>
    private sealed class GatedChannel(int holdAtSend) : IRealChannel
    {
        private int calls;

        public ChannelKind Kind => ChannelKind.WhatsApp;

        public ConcurrentQueue<string> Sent { get; } = new();

        public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<bool> IsConfiguredAsync(CancellationToken cancellationToken) => Task.FromResult(true);

        public async Task<ChannelResult> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref calls) == holdAtSend)
            {
                Held.SetResult();
                await Release.Task.WaitAsync(cancellationToken);
            }
            Sent.Enqueue(message.Address);
            return ChannelResult.Sent($"wamid.{message.DeliveryId}");
        }
    }
}
