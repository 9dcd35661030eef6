using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Channels;

/// <summary>Each action of the channels' error tables, through the whole send pipeline against a provider server on loopback.</summary>
public sealed class ErrorRulesSendTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(Now);
    private ProviderServer server = null!;
    private CoreHost host = null!;

    public async Task InitializeAsync()
    {
        server = await ProviderServer.StartAsync();
        host = await CoreHost.StartAsync(contacts: 900, clock: clock, settings: new Dictionary<string, string?>
        {
            ["Channels:Messenger:BaseUrl"] = server.BaseAddress.ToString(),
            ["Channels:Messenger:AccessToken"] = "EAAG-page-token",
            ["Channels:WhatsApp:BaseUrl"] = server.BaseAddress.ToString(),
            ["Channels:WhatsApp:PhoneNumberId"] = "106540352242922",
            ["Channels:WhatsApp:AccessToken"] = "EAAJ-whatsapp-token",
        });
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await server.DisposeAsync();
    }

    /// <summary>Contacts of a channel who wrote an hour ago (inside Messenger's window).</summary>
    private async Task<List<int>> ContactsAsync(ChannelKind channel, int count)
    {
        var ids = await host.ActiveContactIdsAsync(channel, count);
        ids.Count.ShouldBe(count);
        await using var db = host.NewDbContext();
        var wrote = Now.UtcDateTime.AddHours(-1);
        await db.Contacts.Where(c => ids.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastInboundAt, wrote));
        return ids;
    }

    private async Task<int> SendAsync(ChannelKind channel, List<int> ids, RetryPolicyType policy = RetryPolicyType.Manual)
    {
        var model = CoreHost.Compose(channel, ids);
        (model.RetryPolicy, model.MaxAttempts) = (policy, 3);
        return await host.SendAsync(model);
    }

    [Fact]
    public async Task An_expired_token_pauses_the_channel_after_one_call_and_resuming_finishes_the_send()
    {
        var ids = await ContactsAsync(ChannelKind.Messenger, 100);
        server.AnswerJson(400, ProviderServer.ExpiredToken);
        var messageId = await SendAsync(ChannelKind.Messenger, ids);

        await host.RunEnqueuedAsync();

        server.Requests.Count.ShouldBe(1, "the first refusal paused the channel: nobody else was tried");
        var deliveries = await host.DeliveriesAsync(messageId);
        deliveries.Count.ShouldBe(100);
        deliveries.ShouldAllBe(d => d.Status == DeliveryStatus.Pending && d.AttemptNumber == 1 && d.ErrorCode == null);
        (await host.BatchesAsync(messageId)).ShouldAllBe(b => b.Status == BatchStatus.Pending && b.FailedCount == 0);
        var message = await host.MessageAsync(messageId);
        (message.Status, message.FailedCount).ShouldBe((MessageStatus.Sending, 0));
        var pause = (await host.Services.GetRequiredService<ChannelPauses>().ListAsync(CancellationToken.None)).ShouldHaveSingleItem();
        (pause.Channel, pause.ErrorCode, pause.Since).ShouldBe((ChannelKind.Messenger, "190/463", Now.UtcDateTime));
        pause.Reason.ShouldStartWith("the Page access token expired");

        await host.ReconcileAsync();
        server.Requests.Count.ShouldBe(1, "reconciliation does not start a paused channel's batches");

        server.AcceptAll();
        var resumed = await host.Services.GetRequiredService<ChannelResume>()
            .ResumeAsync(ChannelKind.Messenger, new Actor("admin-id", "admin@test.local"), CancellationToken.None);
        resumed.ShouldBe(new ChannelResumed(ChannelKind.Messenger, 1));
        await host.RunEnqueuedAsync();

        server.Requests.Count.ShouldBe(101);
        message = await host.MessageAsync(messageId);
        (message.Status, message.SentCount, message.FailedCount).ShouldBe((MessageStatus.Sent, 100, 0));
        (await host.DeliveriesAsync(messageId)).ShouldAllBe(d => d.AttemptNumber == 1);
        await using var db = host.NewDbContext();
        (await db.Activity.Select(a => a.Action).ToListAsync()).ShouldBe([ActivityActions.MessageSent, ActivityActions.ChannelPaused,
            ActivityActions.ChannelResumed], ignoreOrder: true);
    }

    [Fact]
    public async Task A_restricted_page_pauses_messenger_only()
    {
        var ids = await ContactsAsync(ChannelKind.Messenger, 3);
        server.AnswerJson(403, ProviderServer.GraphError(10, "(#10) This Page is restricted from sending messages.", 1893063));
        var messageId = await SendAsync(ChannelKind.Messenger, ids);

        await host.RunEnqueuedAsync();

        server.Requests.Count.ShouldBe(1);
        (await host.DeliveriesAsync(messageId)).ShouldAllBe(d => d.Status == DeliveryStatus.Pending);
        var pauses = host.Services.GetRequiredService<ChannelPauses>();
        (await pauses.IsPausedAsync(ChannelKind.Messenger, CancellationToken.None)).ShouldBeTrue();
        (await pauses.IsPausedAsync(ChannelKind.WhatsApp, CancellationToken.None)).ShouldBeFalse();
    }

    [Fact]
    public async Task Ecosystem_engagement_sets_a_not_before_24_hours_later_that_the_15_minute_job_respects()
    {
        var ids = await ContactsAsync(ChannelKind.WhatsApp, 1);
        server.AnswerJson(400, ProviderServer.CloudApiError(131049, "This message was not delivered to maintain healthy ecosystem engagement.",
            "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."));
        var messageId = await SendAsync(ChannelKind.WhatsApp, ids, RetryPolicyType.Scheduled);

        await host.RunEnqueuedAsync();

        var failed = (await host.DeliveriesAsync(messageId)).ShouldHaveSingleItem();
        (failed.Status, failed.ErrorCode, failed.RetryNotBefore).ShouldBe((DeliveryStatus.Failed, "131049", Now.UtcDateTime.AddHours(24)));
        var job = host.Services.GetRequiredService<RetryFailedJob>();
        server.AcceptAll();
        for (var run = 0; run < 95; run++)
        {
            clock.Advance(TimeSpan.FromMinutes(15));
            await job.RunAsync(CancellationToken.None);
            await host.RunEnqueuedAsync();
        }
        server.Requests.Count.ShouldBe(1, "23 h 45 min later: not yet");

        // Free text needs WhatsApp's 24-hour window at the retry too: the contact has written again meanwhile.
        await using (var db = host.NewDbContext())
        {
            var wrote = Now.UtcDateTime.AddHours(23);
            await db.Contacts.Where(c => ids.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastInboundAt, wrote));
        }
        clock.Advance(TimeSpan.FromMinutes(15));
        await job.RunAsync(CancellationToken.None);
        await host.RunEnqueuedAsync();

        server.Requests.Count.ShouldBe(2);
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sent);
    }

    [Fact]
    public async Task Under_the_immediate_policy_an_ecosystem_failure_is_retried_once_its_24_hours_are_over()
    {
        var ids = await ContactsAsync(ChannelKind.WhatsApp, 1);
        server.AnswerJson(400, ProviderServer.CloudApiError(131049, "This message was not delivered to maintain healthy ecosystem engagement.",
            "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."));
        var messageId = await SendAsync(ChannelKind.WhatsApp, ids, RetryPolicyType.Immediate);

        await host.RunEnqueuedAsync();

        server.Requests.Count.ShouldBe(1, "the immediate round leaves a failure the provider asked to wait for");
        (await host.MessageAsync(messageId)).NextRetryAt.ShouldBe(Now.UtcDateTime.AddHours(24), "the message page says when it goes");
        server.AcceptAll();
        await using (var db = host.NewDbContext())
        {
            var wrote = Now.UtcDateTime.AddHours(23);
            await db.Contacts.Where(c => ids.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastInboundAt, wrote));
        }
        var job = host.Services.GetRequiredService<RetryFailedJob>();
        clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(15));
        await job.RunAsync(CancellationToken.None);
        await host.RunEnqueuedAsync();
        server.Requests.Count.ShouldBe(1, "not before its time");

        clock.Advance(TimeSpan.FromMinutes(15));
        await job.RunAsync(CancellationToken.None);
        await host.RunEnqueuedAsync();

        server.Requests.Count.ShouldBe(2);
        var message = await host.MessageAsync(messageId);
        (message.Status, message.NextRetryAt).ShouldBe((MessageStatus.Sent, null));
    }

    [Fact]
    public async Task A_person_who_stopped_marketing_messages_is_opted_out_with_the_reason()
    {
        var ids = await ContactsAsync(ChannelKind.WhatsApp, 2);
        server.AnswerJson(400, ProviderServer.CloudApiError(131050, "Unable to deliver the message.",
            "This message was not delivered because the user has stopped marketing messages."));
        var messageId = await SendAsync(ChannelKind.WhatsApp, ids, RetryPolicyType.Immediate);

        await host.RunEnqueuedAsync();

        server.Requests.Count.ShouldBe(2, "no retry: both contacts are opted out now");
        await using var db = host.NewDbContext();
        var contacts = await db.Contacts.Where(c => ids.Contains(c.Id)).ToListAsync();
        contacts.ShouldAllBe(c => c.OptedOut && c.OptedOutAt == Now.UtcDateTime
            && c.OptOutReason!.StartsWith("provider error 131050: the person stopped marketing"));
        (await RetryRules.Retryable(db, messageId, 3).CountAsync()).ShouldBe(0);
        (await host.MessageAsync(messageId)).FailedCount.ShouldBe(2);
    }

    [Fact]
    public async Task A_person_who_turned_off_messages_is_never_retried()
    {
        var ids = await ContactsAsync(ChannelKind.Messenger, 1);
        server.AnswerJson(400, ProviderServer.GraphError(551, "This person isn't available right now.", 1545041));
        var messageId = await SendAsync(ChannelKind.Messenger, ids, RetryPolicyType.Immediate);

        await host.RunEnqueuedAsync();

        server.Requests.Count.ShouldBe(1);
        var failed = (await host.DeliveriesAsync(messageId)).ShouldHaveSingleItem();
        (failed.ErrorType, failed.ErrorCode).ShouldBe((ErrorType.InvalidRecipient, "551/1545041"));
        (await host.Services.GetRequiredService<RetryPlanner>().RetryAsync(messageId, RetryRequest.All, Actor.System, RetryTrigger.Manual,
            CancellationToken.None)).Status.ShouldBe(RetryStatus.NothingToRetry);
    }
}
