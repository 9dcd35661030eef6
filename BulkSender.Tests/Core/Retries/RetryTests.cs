using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Retries;

[Trait("Database", "Both")]
public sealed class RetryTests
{
    private static readonly Actor Operator = new("op", "operator@test.local");

    private static Dictionary<string, string?> Failing(params (ErrorType Type, double Rate)[] rates) =>
        rates.ToDictionary(r => $"Channels:Simulated:FailureRates:{r.Type}",
            r => (string?)r.Rate.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<int> SendAsync(CoreHost host, int recipients, RetryPolicyType policy = RetryPolicyType.Manual, int maxAttempts = 3)
    {
        var model = CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, recipients));
        model.RetryPolicy = policy;
        model.MaxAttempts = maxAttempts;
        var id = await host.SendAsync(model);
        await host.RunEnqueuedAsync(workers: 2);
        return id;
    }

    private static RetryPlanner Planner(CoreHost host) => host.Services.GetRequiredService<RetryPlanner>();

    [Fact]
    public async Task A_retry_is_a_new_attempt_for_failed_recipients_only_in_batches_numbered_after_the_existing_ones()
    {
        await using var host = await CoreHost.StartAsync(settings: Failing((ErrorType.Network, 0.3)));
        var messageId = await SendAsync(host, 250);
        var before = await host.MessageAsync(messageId);
        var failedContacts = (await host.DeliveriesAsync(messageId)).Where(d => d.Status == DeliveryStatus.Failed).Select(d => d.ContactId)
            .ToHashSet();
        failedContacts.Count.ShouldBe(before.FailedCount);
        failedContacts.Count.ShouldBeGreaterThan(0);

        var outcome = await Planner(host).RetryAsync(messageId, RetryRequest.All, Operator, RetryTrigger.Manual, CancellationToken.None);

        outcome.Status.ShouldBe(RetryStatus.Started);
        outcome.Recipients.ShouldBe(failedContacts.Count);
        outcome.FirstBatchNumber.ShouldBe(4);
        var retryBatches = (await host.BatchesAsync(messageId)).Where(b => b.Number >= 4).ToList();
        retryBatches.Select(b => b.Number).ShouldBe(Enumerable.Range(4, retryBatches.Count));
        retryBatches.Sum(b => b.RecipientCount).ShouldBe(failedContacts.Count);
        var attempt2 = (await host.DeliveriesAsync(messageId)).Where(d => d.AttemptNumber == 2).ToList();
        attempt2.Select(d => d.ContactId).ToHashSet().SetEquals(failedContacts).ShouldBeTrue();
        attempt2.ShouldAllBe(d => retryBatches.Select(b => b.Id).Contains(d.BatchId!.Value));

        await host.RunEnqueuedAsync(workers: 2);

        var after = await host.MessageAsync(messageId);
        var deliveries = await host.DeliveriesAsync(messageId);
        var succeededTwice = deliveries.Where(d => d.Status == DeliveryStatus.Sent).GroupBy(d => d.ContactId).Where(g => g.Count() > 1);
        succeededTwice.ShouldBeEmpty();
        after.SentCount.ShouldBe(deliveries.Count(d => d.Status == DeliveryStatus.Sent));
        after.FailedCount.ShouldBe(deliveries.Count(d => d.AttemptNumber == 2 && d.Status == DeliveryStatus.Failed));
        after.SentCount.ShouldBeGreaterThan(before.SentCount);
        after.RetryCount.ShouldBe(1);
        after.Summary.ShouldBe($"Sent to {after.SentCount} recipients. {after.FailedCount} failed. Processed in {after.BatchCount} batches.");
    }

    [Fact]
    public async Task Retry_never_resends_to_a_recipient_that_succeeded()
    {
        await using var host = await CoreHost.StartAsync(settings: Failing((ErrorType.Network, 0.4)));
        var messageId = await SendAsync(host, 120, maxAttempts: 10);
        var succeeded = (await host.DeliveriesAsync(messageId)).Where(d => d.Status == DeliveryStatus.Sent).Select(d => d.RecipientAddress)
            .ToHashSet();

        for (var round = 0; round < 4; round++)
        {
            await Planner(host).RetryAsync(messageId, RetryRequest.All, Operator, RetryTrigger.Manual, CancellationToken.None);
            await host.RunEnqueuedAsync();
        }

        var laterSends = host.Provider.ForMessage(messageId).Where(s => s.AttemptNumber > 1).Select(s => s.Address);
        laterSends.Intersect(succeeded).ShouldBeEmpty();
        host.Provider.ForMessage(messageId).Where(s => s.Succeeded).GroupBy(s => s.Address).ShouldAllBe(g => g.Count() == 1);
    }

    [Fact]
    public async Task Nobody_gets_more_than_max_attempts()
    {
        await using var host = await CoreHost.StartAsync(settings: Failing((ErrorType.Network, 1.0)));
        var messageId = await SendAsync(host, 30, maxAttempts: 3);

        (await Planner(host).RetryAsync(messageId, RetryRequest.All, Operator, RetryTrigger.Manual, CancellationToken.None)).Started.ShouldBeTrue();
        await host.RunEnqueuedAsync();
        (await Planner(host).RetryAsync(messageId, RetryRequest.All, Operator, RetryTrigger.Manual, CancellationToken.None)).Started.ShouldBeTrue();
        await host.RunEnqueuedAsync();
        var third = await Planner(host).RetryAsync(messageId, RetryRequest.All, Operator, RetryTrigger.Manual, CancellationToken.None);

        third.Status.ShouldBe(RetryStatus.NothingToRetry);
        host.Provider.ForMessage(messageId).GroupBy(s => s.Address).ShouldAllBe(g => g.Count() == 3);
        var report = await host.Services.GetRequiredService<FailedRecipientQueries>().GetAsync(messageId, CancellationToken.None);
        report!.Retryable.ShouldBe(0);
        report.Recipients.ShouldAllBe(r => r.NotRetryableReason == RetryRules.MaxAttemptsReason);
    }

    [Fact]
    public async Task Invalid_recipients_are_never_retried_and_say_why()
    {
        await using var host = await CoreHost.StartAsync(settings: Failing((ErrorType.InvalidRecipient, 0.5), (ErrorType.RateLimit, 0.5)));
        var messageId = await SendAsync(host, 40, policy: RetryPolicyType.Manual);
        var report = await host.Services.GetRequiredService<FailedRecipientQueries>().GetAsync(messageId, CancellationToken.None);
        var invalid = report!.Recipients.Where(r => r.ErrorType == ErrorType.InvalidRecipient).ToList();
        invalid.ShouldNotBeEmpty();
        invalid.ShouldAllBe(r => r.NotRetryableReason == RetryRules.InvalidRecipientReason);
        report.Retryable.ShouldBe(report.Failed - invalid.Count);

        var onlyInvalid = await Planner(host).RetryAsync(messageId, new RetryRequest(ErrorTypes: [ErrorType.InvalidRecipient]), Operator,
            RetryTrigger.Manual, CancellationToken.None);
        var all = await Planner(host).RetryAsync(messageId, RetryRequest.All, Operator, RetryTrigger.Manual, CancellationToken.None);

        onlyInvalid.Status.ShouldBe(RetryStatus.NothingToRetry);
        all.Recipients.ShouldBe(report.Retryable);
        (await host.DeliveriesAsync(messageId)).Where(d => d.AttemptNumber == 2).Select(d => d.ContactId)
            .Intersect(invalid.Select(r => r.ContactId)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Retry_can_target_chosen_recipients_or_error_types()
    {
        await using var host = await CoreHost.StartAsync(settings: Failing((ErrorType.Network, 0.3), (ErrorType.AccessToken, 0.3)));
        var messageId = await SendAsync(host, 80);
        var failed = (await host.DeliveriesAsync(messageId)).Where(d => d.Status == DeliveryStatus.Failed).ToList();
        var tokenFailures = failed.Where(d => d.ErrorType == ErrorType.AccessToken).Select(d => d.ContactId!.Value).ToList();
        var twoNetwork = failed.Where(d => d.ErrorType == ErrorType.Network).Take(2).Select(d => d.ContactId!.Value).ToList();

        var byType = await Planner(host).RetryAsync(messageId, new RetryRequest(ErrorTypes: [ErrorType.AccessToken]), Operator,
            RetryTrigger.Manual, CancellationToken.None);
        await host.RunEnqueuedAsync();
        var chosen = await Planner(host).RetryAsync(messageId, new RetryRequest(ContactIds: twoNetwork), Operator,
            RetryTrigger.Manual, CancellationToken.None);

        byType.Recipients.ShouldBe(tokenFailures.Count);
        chosen.Recipients.ShouldBe(2);
        var attempt2 = (await host.DeliveriesAsync(messageId)).Where(d => d.AttemptNumber == 2).Select(d => d.ContactId!.Value).ToList();
        attempt2.Order().ShouldBe(tokenFailures.Concat(twoNetwork).Order());
    }

    [Fact]
    public async Task A_running_send_is_not_retried_until_it_has_finished()
    {
        await using var host = await CoreHost.StartAsync(settings: Failing((ErrorType.Network, 0.5)));
        var model = CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 10));
        var messageId = await host.SendAsync(model);

        var outcome = await Planner(host).RetryAsync(messageId, RetryRequest.All, Operator, RetryTrigger.Manual, CancellationToken.None);

        outcome.Status.ShouldBe(RetryStatus.StillSending);
        (await host.BatchesAsync(messageId)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Immediate_policy_retries_round_after_round_until_max_attempts_with_a_channel_that_keeps_failing()
    {
        await using var host = await CoreHost.StartAsync(settings: Failing((ErrorType.Network, 1.0)));

        var messageId = await SendAsync(host, 25, policy: RetryPolicyType.Immediate, maxAttempts: 4);

        var message = await host.MessageAsync(messageId);
        message.Status.ShouldBe(MessageStatus.Failed);
        message.RetryCount.ShouldBe(3);
        message.FailedCount.ShouldBe(25);
        message.SentCount.ShouldBe(0);
        message.NextRetryAt.ShouldBeNull();
        host.Provider.ForMessage(messageId).GroupBy(s => s.Address).ShouldAllBe(g =>
            g.Select(s => s.AttemptNumber).Order().SequenceEqual(new[] { 1, 2, 3, 4 }));
        (await host.BatchesAsync(messageId)).Select(b => b.Number).ShouldBe([1, 2, 3, 4]);
    }

    [Fact]
    public async Task Immediate_policy_stops_as_soon_as_nothing_is_retryable()
    {
        await using var host = await CoreHost.StartAsync(settings: Failing((ErrorType.InvalidRecipient, 1.0)));

        var messageId = await SendAsync(host, 10, policy: RetryPolicyType.Immediate, maxAttempts: 5);

        (await host.MessageAsync(messageId)).RetryCount.ShouldBe(0);
        host.Provider.ForMessage(messageId).Count.ShouldBe(10);
    }

    [Fact]
    public async Task Scheduled_policy_waits_for_the_15_minute_job_and_then_starts_a_round()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 2, 0, TimeSpan.Zero));
        await using var host = await CoreHost.StartAsync(settings: Failing((ErrorType.RateLimit, 0.5)), clock: clock);
        var messageId = await SendAsync(host, 40, policy: RetryPolicyType.Scheduled, maxAttempts: 3);
        var job = host.Services.GetRequiredService<RetryFailedJob>();

        var message = await host.MessageAsync(messageId);
        message.NextRetryAt.ShouldBe(new DateTime(2026, 11, 23, 10, 30, 0, DateTimeKind.Utc),
            "the first 15-minute run at least 15 minutes after the send ended");

        clock.Advance(TimeSpan.FromMinutes(14));
        await job.RunAsync(CancellationToken.None);
        (await host.BatchesAsync(messageId)).Count.ShouldBe(1, "nothing before 15 minutes");

        clock.SetUtcNow(new DateTimeOffset(2026, 11, 23, 10, 30, 0, TimeSpan.Zero));
        await job.RunAsync(CancellationToken.None);

        (await host.BatchesAsync(messageId)).Count.ShouldBe(2, "a round once the time has come");
        (await host.MessageAsync(messageId)).RetryCount.ShouldBe(1);
        await host.RunEnqueuedAsync();
        var afterRound = await host.MessageAsync(messageId);
        (afterRound.NextRetryAt is null).ShouldBe(afterRound.FailedCount == 0);
        if (afterRound.NextRetryAt is { } next)
            next.ShouldBe(new DateTime(2026, 11, 23, 10, 45, 0, DateTimeKind.Utc));
    }

    [Fact]
    public async Task Failed_recipients_report_counts_sent_failed_retryable_and_error_types()
    {
        await using var host = await CoreHost.StartAsync(settings: Failing((ErrorType.Network, 0.2), (ErrorType.Permission, 0.1),
            (ErrorType.InvalidRecipient, 0.1)));
        var messageId = await SendAsync(host, 100);

        var report = (await host.Services.GetRequiredService<FailedRecipientQueries>().GetAsync(messageId, CancellationToken.None))!;

        var deliveries = await host.DeliveriesAsync(messageId);
        report.Total.ShouldBe(100);
        report.Sent.ShouldBe(deliveries.Count(d => d.Status == DeliveryStatus.Sent));
        report.Failed.ShouldBe(deliveries.Count(d => d.Status == DeliveryStatus.Failed));
        report.ErrorTypeCounts.Values.Sum().ShouldBe(report.Failed);
        report.ErrorTypeCounts.Keys.ShouldBeSubsetOf([ErrorType.Network, ErrorType.Permission, ErrorType.InvalidRecipient]);
        report.Retryable.ShouldBe(report.Failed - report.ErrorTypeCounts.GetValueOrDefault(ErrorType.InvalidRecipient));
        report.Recipients.ShouldAllBe(r => r.ErrorCode != null && r.ErrorMessage != null && r.Attempts == 1);

        using var csv = new MemoryStream();
        await FailedRecipientQueries.WriteCsvAsync(report, csv, CancellationToken.None);
        var lines = System.Text.Encoding.UTF8.GetString(csv.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("name,address,error_type,error_code,error_message,attempts,failed_at,retryable,not_retryable_reason");
        lines.Length.ShouldBe(report.Failed + 1);
    }

    [Fact]
    public async Task An_admin_policy_change_applies_to_a_sent_message()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 50, 0, TimeSpan.Zero));
        await using var host = await CoreHost.StartAsync(settings: Failing((ErrorType.Network, 0.5)), clock: clock);
        var messageId = await SendAsync(host, 20, policy: RetryPolicyType.Manual, maxAttempts: 2);
        (await host.MessageAsync(messageId)).NextRetryAt.ShouldBeNull();
        var policies = host.Services.GetRequiredService<RetryPolicies>();

        var invalid = await policies.ChangeAsync(messageId, new RetryPolicyInput { Policy = RetryPolicyType.Scheduled, MaxAttempts = 11 },
            Operator, CancellationToken.None);
        var changed = await policies.ChangeAsync(messageId, new RetryPolicyInput { Policy = RetryPolicyType.Scheduled, MaxAttempts = 5 },
            Operator, CancellationToken.None);

        invalid.Status.ShouldBe(PolicyChangeStatus.Invalid);
        invalid.Errors["MaxAttempts"].ShouldBe(["Max attempts must be between 1 and 10."]);
        changed.Status.ShouldBe(PolicyChangeStatus.Changed);
        var message = await host.MessageAsync(messageId);
        (message.RetryPolicy, message.MaxAttempts).ShouldBe((RetryPolicyType.Scheduled, 5));
        message.NextRetryAt.ShouldBe(new DateTime(2026, 11, 23, 10, 15, 0, DateTimeKind.Utc));
        await using var db = host.NewDbContext();
        (await db.Activity.CountAsync(a => a.Action == ActivityActions.RetryPolicyChanged)).ShouldBe(1);
    }

    [Fact]
    public async Task Two_admins_saving_over_the_same_shown_message_policy_save_one_and_refuse_the_other()
    {
        await using var host = await CoreHost.StartAsync(settings: Failing((ErrorType.Network, 0.5)));
        var messageId = await SendAsync(host, 10, policy: RetryPolicyType.Manual, maxAttempts: 2);
        var policies = host.Services.GetRequiredService<RetryPolicies>();
        var shown = new RetryPolicyInput { Policy = RetryPolicyType.Manual, MaxAttempts = 2 };

        var results = await Task.WhenAll(
            policies.ChangeAsync(messageId, new RetryPolicyInput { Policy = RetryPolicyType.Scheduled, MaxAttempts = 5 }, shown,
                Operator, CancellationToken.None),
            policies.ChangeAsync(messageId, new RetryPolicyInput { Policy = RetryPolicyType.Immediate, MaxAttempts = 3 }, shown,
                Operator, CancellationToken.None));

        results.Count(r => r.Status == PolicyChangeStatus.Changed).ShouldBe(1);
        var refused = results.Single(r => r.Status == PolicyChangeStatus.Conflict);
        refused.Errors[""].ShouldBe([RetryPolicies.MessagePolicyChangedMessage]);
        var message = await host.MessageAsync(messageId);
        var winner = results[0].Status == PolicyChangeStatus.Changed ? (RetryPolicyType.Scheduled, 5) : (RetryPolicyType.Immediate, 3);
        (message.RetryPolicy, message.MaxAttempts).ShouldBe(winner);
        await using var db = host.NewDbContext();
        (await db.Activity.CountAsync(a => a.Action == ActivityActions.RetryPolicyChanged)).ShouldBe(1);
    }

    [Fact]
    public async Task Cleanup_deletes_old_successful_deliveries_and_keeps_failures_and_totals()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));
        await using var host = await CoreHost.StartAsync(settings: Failing((ErrorType.Network, 0.25)), clock: clock);
        var oldId = await SendAsync(host, 60);
        var oldMessage = await host.MessageAsync(oldId);
        clock.SetUtcNow(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var recentId = await SendAsync(host, 20);

        var deleted = await host.Services.GetRequiredService<CleanupDeliveriesJob>().RunAsync(CancellationToken.None);

        deleted.ShouldBe(oldMessage.SentCount);
        (await host.DeliveriesAsync(oldId)).ShouldAllBe(d => d.Status == DeliveryStatus.Failed);
        (await host.DeliveriesAsync(oldId)).Count.ShouldBe(oldMessage.FailedCount);
        (await host.DeliveriesAsync(recentId)).Count.ShouldBe(20);
        var kept = await host.MessageAsync(oldId);
        (kept.SentCount, kept.FailedCount, kept.TotalRecipients).ShouldBe((oldMessage.SentCount, oldMessage.FailedCount, 60));
        (await Planner(host).RetryAsync(oldId, RetryRequest.All, Operator,
            RetryTrigger.Manual, CancellationToken.None)).Status.ShouldBe(RetryStatus.NotRetryable);
    }

    [Fact]
    public async Task Admin_defaults_are_validated_saved_and_used_by_new_messages()
    {
        await using var host = await CoreHost.StartAsync();
        var policies = host.Services.GetRequiredService<RetryPolicies>();

        var version = (await host.Services.GetRequiredService<RetryDefaults>().FormAsync(CancellationToken.None)).Version;

        var invalid = await policies.SaveDefaultsAsync(new RetryPolicyInput { Policy = RetryPolicyType.Scheduled, MaxAttempts = 0 },
            version, Operator, CancellationToken.None);
        var saved = await policies.SaveDefaultsAsync(new RetryPolicyInput { Policy = RetryPolicyType.Immediate, MaxAttempts = 7 }, version,
            Operator, CancellationToken.None);

        invalid.Status.ShouldBe(PolicyChangeStatus.Invalid);
        saved.Status.ShouldBe(PolicyChangeStatus.Changed);
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 3)));
        var message = await host.MessageAsync(messageId);
        (message.RetryPolicy, message.MaxAttempts).ShouldBe((RetryPolicyType.Immediate, 7));
    }

    [Fact]
    public async Task A_stale_save_of_the_retry_defaults_is_refused_and_changes_nothing()
    {
        await using var host = await CoreHost.StartAsync(contacts: 0);
        var policies = host.Services.GetRequiredService<RetryPolicies>();
        var defaults = host.Services.GetRequiredService<RetryDefaults>();
        var opened = await defaults.FormAsync(CancellationToken.None);

        var saved = await policies.SaveDefaultsAsync(new RetryPolicyInput { Policy = RetryPolicyType.Immediate, MaxAttempts = 7 },
            opened.Version, Operator, CancellationToken.None);
        var stale = await policies.SaveDefaultsAsync(new RetryPolicyInput { Policy = RetryPolicyType.Scheduled, MaxAttempts = 2 },
            opened.Version, Operator, CancellationToken.None);

        saved.Status.ShouldBe(PolicyChangeStatus.Changed);
        stale.Status.ShouldBe(PolicyChangeStatus.Conflict);
        stale.Errors[""].ShouldBe([RetryPolicies.DefaultsChangedMessage]);
        var now = await defaults.FormAsync(CancellationToken.None);
        now.Settings.ShouldBe(new RetrySettings(RetryPolicyType.Immediate, 7));
        now.Version.ShouldBeGreaterThan(opened.Version);
        await using var db = host.NewDbContext();
        (await db.Activity.CountAsync(a => a.Action == ActivityActions.RetryDefaultsChanged)).ShouldBe(1);
    }

    [Fact]
    public async Task Two_parallel_first_saves_of_the_retry_defaults_save_one_and_refuse_the_other()
    {
        await using var host = await CoreHost.StartAsync(contacts: 0);
        var policies = host.Services.GetRequiredService<RetryPolicies>();
        var defaults = host.Services.GetRequiredService<RetryDefaults>();
        for (var round = 0; round < 10; round++)
        {
            await using (var db = host.NewDbContext())
                await db.Settings.Where(s => s.Key == RetryDefaults.PolicyKey || s.Key == RetryDefaults.MaxAttemptsKey).ExecuteDeleteAsync();
            var version = (await defaults.FormAsync(CancellationToken.None)).Version;

            var results = await Task.WhenAll(
                Task.Run(() => policies.SaveDefaultsAsync(new RetryPolicyInput { Policy = RetryPolicyType.Immediate, MaxAttempts = 4 },
                    version, Operator, CancellationToken.None)),
                Task.Run(() => policies.SaveDefaultsAsync(new RetryPolicyInput { Policy = RetryPolicyType.Scheduled, MaxAttempts = 5 },
                    version, Operator, CancellationToken.None)));

            results.Select(r => r.Status).Order().ShouldBe([PolicyChangeStatus.Changed, PolicyChangeStatus.Conflict]);
            (await defaults.GetAsync(CancellationToken.None)).ShouldBe(results[0].Status == PolicyChangeStatus.Changed
                ? new RetrySettings(RetryPolicyType.Immediate, 4)
                : new RetrySettings(RetryPolicyType.Scheduled, 5));
        }
    }
}
