using System.Collections.Concurrent;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Core.Dispatch;

/// <summary>The batch job: claims, sends through the channel, records progress, finishes the send.</summary>
[Trait("Database", "Both")]
public sealed class SendBatchJobTests
{
    private static readonly Dictionary<string, string?> FailSome = new()
    {
        ["Channels:Simulated:FailureRates:InvalidRecipient"] = "0.05",
        ["Channels:Simulated:FailureRates:Network"] = "0.05",
    };

    [Fact]
    public async Task A_batch_sends_each_pending_delivery_once_and_records_provider_ids_and_errors()
    {
        await using var host = await CoreHost.StartAsync(settings: FailSome);
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 100)));

        await host.RunEnqueuedAsync();

        var deliveries = await host.DeliveriesAsync(messageId);
        deliveries.ShouldAllBe(d => d.Status == DeliveryStatus.Sent || d.Status == DeliveryStatus.Failed);
        deliveries.Where(d => d.Status == DeliveryStatus.Sent).ShouldAllBe(d => d.ProviderMessageId != null && d.SentAt != null);
        var failed = deliveries.Where(d => d.Status == DeliveryStatus.Failed).ToList();
        failed.ShouldNotBeEmpty();
        failed.ShouldAllBe(d => d.ErrorCode != null && d.ErrorMessage != null && d.FailedAt != null
            && (d.ErrorType == ErrorType.InvalidRecipient || d.ErrorType == ErrorType.Network));
        var sent = host.Provider.ForMessage(messageId);
        sent.Select(s => s.DeliveryId).Order().ShouldBe(deliveries.Select(d => d.Id).Order());
        var batch = (await host.BatchesAsync(messageId)).Single();
        (batch.Status, batch.SentCount, batch.FailedCount, batch.ClaimedBy != null, batch.CompletedAt != null)
            .ShouldBe((BatchStatus.Completed, 100 - failed.Count, failed.Count, true, true));
        var message = await host.MessageAsync(messageId);
        message.Status.ShouldBe(MessageStatus.PartiallySent);
        message.Summary.ShouldBe($"Sent to {100 - failed.Count} recipients. {failed.Count} failed. Processed in 1 batch.");
        message.CompletedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task The_same_batch_job_run_twice_at_once_sends_every_recipient_exactly_once()
    {
        await using var host = await CoreHost.StartAsync(settings: new Dictionary<string, string?> { ["Channels:Simulated:LatencyMs"] = "2" });
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 250)));
        var batchIds = host.Jobs.Take();

        // Every batch twice, all at once, on six "workers"; then once more after the fact.
        await Parallel.ForEachAsync(batchIds.Concat(batchIds), new ParallelOptions { MaxDegreeOfParallelism = 6 },
            async (id, ct) => await host.RunBatchAsync(id, ct));
        foreach (var id in batchIds)
            await host.RunBatchAsync(id);

        var sends = host.Provider.ForMessage(messageId);
        sends.Count.ShouldBe(250);
        sends.Select(s => s.DeliveryId).Distinct().Count().ShouldBe(250);
        (await host.BatchesAsync(messageId)).ShouldAllBe(b => b.Status == BatchStatus.Completed && b.SentCount == b.RecipientCount);
        var message = await host.MessageAsync(messageId);
        (message.Status, message.SentCount, message.Summary)
            .ShouldBe((MessageStatus.Sent, 250, "Sent to 250 recipients. 0 failed. Processed in 3 batches."));
    }

    /// <summary>
    /// Hangfire.PostgreSql hides a fetched job from other servers only for its invisibility timeout: a job running
    /// longer (a slow send) is fetched again and started on another instance while the first run is still sending.
    /// The batch claim makes that second run do nothing, however often it comes.
    /// </summary>
    [Fact]
    public async Task A_batch_job_started_again_on_another_instance_while_the_first_run_sends_does_nothing_and_nobody_gets_two()
    {
        var slow = new Dictionary<string, string?> { ["Channels:Simulated:LatencyMs"] = "20" };
        await using var first = await CoreHost.StartAsync(settings: slow);
        await using var second = await first.AnotherInstanceAsync(slow);
        var messageId = await first.SendAsync(CoreHost.Compose(ChannelKind.Email, await first.ActiveContactIdsAsync(ChannelKind.Email, 100)));
        var batchId = first.Jobs.Take().Single();

        var firstRun = Task.Run(() => first.RunBatchAsync(batchId));
        await Until(() => first.Provider.ForMessage(messageId).Count >= 20);
        // Started again elsewhere, twice at once, while the first run is still going.
        await Task.WhenAll(second.RunBatchAsync(batchId), second.RunBatchAsync(batchId));
        var sentWhenTheOthersEnded = first.Provider.ForMessage(messageId).Count;
        await firstRun;
        await second.RunBatchAsync(batchId);

        sentWhenTheOthersEnded.ShouldBeLessThan(100, "the second runs ended while the first was still sending: they did not wait for it");
        second.Provider.ForMessage(messageId).ShouldBeEmpty();
        var sends = first.Provider.ForMessage(messageId);
        (sends.Count, sends.Select(s => s.DeliveryId).Distinct().Count()).ShouldBe((100, 100));
        var batch = (await first.BatchesAsync(messageId)).Single();
        (batch.Status, batch.SentCount).ShouldBe((BatchStatus.Completed, 100));
        (await first.DeliveriesAsync(messageId)).ShouldAllBe(d => d.Status == DeliveryStatus.Sent);
        var message = await first.MessageAsync(messageId);
        (message.Status, message.SentCount).ShouldBe((MessageStatus.Sent, 100));
    }

    [Fact]
    public async Task Progress_is_persisted_every_5_recipients_with_a_heartbeat_before_it_is_reported()
    {
        var progress = new RecordingProgress();
        await using var host = await CoreHost.StartAsync(services: s => s.AddSingleton<IDispatchProgress>(progress));
        progress.Db = host.NewDbContext;
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 23)));

        await host.RunEnqueuedAsync();

        var steps = progress.Progress.Select(p => p.Snapshot.SentCount + p.Snapshot.FailedCount).ToList();
        steps.ShouldBe([5, 10, 15, 20, 23]);
        progress.Progress.ShouldAllBe(p => p.PersistedProcessed == p.Snapshot.SentCount + p.Snapshot.FailedCount && p.HeartbeatAt != null);
        progress.BatchChanges.Select(b => b.Status).ShouldBe([BatchStatus.Processing, BatchStatus.Completed]);
        progress.Completed.ShouldBe([messageId]);
    }

    [Fact]
    public async Task When_batches_end_together_the_send_is_completed_exactly_once()
    {
        var progress = new RecordingProgress();
        await using var host = await CoreHost.StartAsync(settings: new Dictionary<string, string?> { ["Dispatch:BatchSize"] = "5" },
            services: s => s.AddSingleton<IDispatchProgress>(progress));
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 60)));

        await host.RunEnqueuedAsync(workers: 12);

        progress.Completed.ShouldBe([messageId]);
        var message = await host.MessageAsync(messageId);
        (message.Status, message.SentCount, message.BatchCount).ShouldBe((MessageStatus.Sent, 60, 12));
    }

    [Fact]
    public async Task Cancelling_mid_send_stops_running_batches_within_10_recipients_and_cancels_the_rest()
    {
        await using var host = await CoreHost.StartAsync(settings: new Dictionary<string, string?> { ["Channels:Simulated:LatencyMs"] = "15" });
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 280)));
        var batchIds = host.Jobs.Take();
        var running = batchIds.Take(2).Select(id => Task.Run(() => host.RunBatchAsync(id))).ToList();

        await Until(() => host.Provider.ForMessage(messageId).Count >= 20);
        var outcome = await host.Sends.CancelAsync(messageId, new Actor("u1", "op"), default);
        var sentAtCancel = host.Provider.ForMessage(messageId).Count;
        await Task.WhenAll(running);
        await host.RunBatchAsync(batchIds[2]);

        outcome.ShouldBe(CancelOutcome.Cancelled);
        (host.Provider.ForMessage(messageId).Count - sentAtCancel)
            .ShouldBeLessThanOrEqualTo(2 * 10, "each running batch stops within 10 recipients");
        var deliveries = await host.DeliveriesAsync(messageId);
        deliveries.ShouldAllBe(d => d.Status == DeliveryStatus.Sent || d.Status == DeliveryStatus.Failed || d.Status == DeliveryStatus.Cancelled);
        deliveries.Count(d => d.Status == DeliveryStatus.Sent).ShouldBe(host.Provider.ForMessage(messageId).Count);
        (await host.BatchesAsync(messageId)).ShouldAllBe(b => b.Status == BatchStatus.Cancelled && b.CompletedAt != null);
        var message = await host.MessageAsync(messageId);
        var sent = deliveries.Count(d => d.Status == DeliveryStatus.Sent);
        (message.Status, message.SentCount, message.FailedCount, message.SkippedCount, message.TotalRecipients)
            .ShouldBe((MessageStatus.Cancelled, sent, 0, 0, 280));
        message.Summary.ShouldBe($"Cancelled. Sent to {sent} recipients. 0 failed. {280 - sent} not sent.");
        (await host.Sends.CancelAsync(messageId, new Actor(null, null), default)).ShouldBe(CancelOutcome.NotCancellable);
        (await host.Sends.CancelAsync(999, new Actor(null, null), default)).ShouldBe(CancelOutcome.NotFound);
    }

    [Fact]
    public async Task Contacts_who_opt_out_after_the_send_was_created_are_skipped_not_sent_to()
    {
        await using var host = await CoreHost.StartAsync();
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 40);
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, ids));
        await using (var db = host.NewDbContext())
            await db.Contacts.Where(c => c.Id == ids[3] || c.Id == ids[30]).ExecuteUpdateAsync(s => s.SetProperty(c => c.OptedOut, true));

        await host.RunEnqueuedAsync();

        host.Provider.ForMessage(messageId).Count.ShouldBe(38);
        var skipped = (await host.DeliveriesAsync(messageId)).Where(d => d.Status == DeliveryStatus.Cancelled).ToList();
        skipped.Select(d => d.ContactId!.Value).ShouldBe([ids[3], ids[30]]);
        var message = await host.MessageAsync(messageId);
        (message.Status, message.SentCount, message.SkippedCount).ShouldBe((MessageStatus.Sent, 38, 2));
        message.Summary.ShouldBe("Sent to 38 recipients. 0 failed. 2 skipped (opted out). Processed in 1 batch.");
    }

    [Fact]
    public async Task A_batch_that_breaks_ends_failed_with_its_error_and_its_unsent_deliveries_failed()
    {
        var progress = new RecordingProgress { ThrowOnProgress = true };
        await using var host = await CoreHost.StartAsync(services: s => s.AddSingleton<IDispatchProgress>(progress));
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 20)));

        await host.RunEnqueuedAsync();

        var batch = (await host.BatchesAsync(messageId)).Single();
        (batch.Status, batch.SentCount, batch.FailedCount).ShouldBe((BatchStatus.Failed, 5, 15));
        batch.Error!.ShouldContain("progress display broke");
        var deliveries = await host.DeliveriesAsync(messageId);
        deliveries.Where(d => d.Status == DeliveryStatus.Failed).ShouldAllBe(d => d.ErrorType == ErrorType.Other && d.ErrorCode == "batch_failed");
        var message = await host.MessageAsync(messageId);
        (message.Status, message.Summary).ShouldBe((MessageStatus.PartiallySent, "Sent to 5 recipients. 15 failed. Processed in 1 batch."));
    }

    [Fact]
    public async Task A_batch_stopped_by_a_shutdown_goes_back_to_pending_and_the_next_run_sends_each_remaining_recipient_once()
    {
        // 30 ms a send: the shutdown comes well before the 60th even on a busy machine (at 10 ms it once came after it).
        await using var host = await CoreHost.StartAsync(settings: new Dictionary<string, string?> { ["Channels:Simulated:LatencyMs"] = "30" });
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 60)));
        var batchId = host.Jobs.Take().Single();
        using var shutdown = new CancellationTokenSource();

        var run = host.RunBatchAsync(batchId, shutdown.Token);
        await Until(() => host.Provider.ForMessage(messageId).Count >= 12);
        await shutdown.CancelAsync();
        await run;

        var batch = (await host.BatchesAsync(messageId)).Single();
        (batch.Status, batch.ClaimedBy, batch.JobId).ShouldBe((BatchStatus.Pending, null, null));
        var deliveries = await host.DeliveriesAsync(messageId);
        deliveries.ShouldNotContain(d => d.Status == DeliveryStatus.Sending);
        deliveries.Count(d => d.Status == DeliveryStatus.Sent)
            .ShouldBe(host.Provider.ForMessage(messageId).Count, "what reached the provider is recorded");
        deliveries.Count(d => d.Status == DeliveryStatus.Pending).ShouldBeGreaterThan(0);

        await host.RunBatchAsync(batchId);

        host.Provider.ForMessage(messageId).Select(s => s.DeliveryId).ShouldBe(deliveries.Select(d => d.Id), ignoreOrder: true);
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sent);
    }

    [Fact]
    public async Task A_scheduled_batch_is_not_claimed_before_its_time()
    {
        await using var host = await CoreHost.StartAsync();
        var model = CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 10));
        (model.When, model.ScheduledAt) = (SendTiming.At, DateTime.UtcNow.AddHours(1));
        var messageId = await host.SendAsync(model);

        await host.RunBatchAsync((await host.BatchesAsync(messageId)).Single().Id);

        host.Provider.ForMessage(messageId).ShouldBeEmpty();
        (await host.BatchesAsync(messageId)).Single().Status.ShouldBe(BatchStatus.Pending);
    }

    internal static async Task Until(Func<bool> condition, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("The condition did not become true in time.");
            await Task.Delay(10);
        }
    }

    private sealed class RecordingProgress : IDispatchProgress
    {
        public Func<BulkSender.Core.Data.AppDbContext>? Db { get; set; }

        public bool ThrowOnProgress { get; init; }

        public ConcurrentQueue<(BatchSnapshot Snapshot, int PersistedProcessed, DateTime? HeartbeatAt)> Progress { get; } = new();

        public ConcurrentQueue<BatchSnapshot> BatchChanges { get; } = new();

        public ConcurrentQueue<int> Completed { get; } = new();

        public void Progressed(BatchSnapshot batch)
        {
            if (ThrowOnProgress)
                throw new InvalidOperationException("The progress display broke.");
            if (Db is null)
                return;
            using var db = Db();
            var row = db.Batches.AsNoTracking().Single(b => b.Id == batch.BatchId);
            Progress.Enqueue((batch, row.SentCount + row.FailedCount, row.HeartbeatAt));
        }

        public void BatchChanged(BatchSnapshot batch) => BatchChanges.Enqueue(batch);

        public void MessageChanged(int messageId)
        {
        }

        public void MessageCompleted(int messageId) => Completed.Enqueue(messageId);

        public void FunnelChanged(int messageId)
        {
        }
    }
}
