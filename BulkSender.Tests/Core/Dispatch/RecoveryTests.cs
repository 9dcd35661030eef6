using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Jobs;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Dispatch;

/// <summary>The database is the truth: reconciliation finds work that lost its job or its worker and puts it back.</summary>
[Trait("Database", "Both")]
public sealed class RecoveryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private CoreHost host = null!;

    public async Task InitializeAsync() => host = await CoreHost.StartAsync(contacts: 600, clock: clock);

    public async Task DisposeAsync() => await host.DisposeAsync();

    private async Task<int> ReconcileAsync()
    {
        await using var scope = host.Services.CreateAsyncScope();
        var steps = scope.ServiceProvider.GetServices<IReconcileStep>().ToList();
        var count = 0;
        foreach (var step in steps)
            count += await step.ReconcileAsync(CancellationToken.None);
        return count;
    }

    [Fact]
    public async Task Pending_batches_whose_job_was_forgotten_are_enqueued_again_and_those_with_a_live_job_are_left_alone()
    {
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 150)));
        host.Jobs.Take().Count.ShouldBe(2);
        var batches = await host.BatchesAsync(messageId);
        // Batch 1's job is still queued in the job storage; batch 2's was forgotten (a restart empties in-memory storage).
        await using (var db = host.NewDbContext())
            await db.Batches.Where(b => b.Id == batches[1].Id).ExecuteUpdateAsync(s => s.SetProperty(b => b.JobId, "forgotten-by-a-restart"));

        (await ReconcileAsync()).ShouldBe(1);

        host.Jobs.Take().ShouldBe([batches[1].Id]);
        await host.RunBatchAsync(batches[0].Id);
        await host.RunBatchAsync(batches[1].Id);
        (await ReconcileAsync()).ShouldBe(0);
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sent);
    }

    [Fact]
    public async Task A_batch_left_processing_by_a_dead_worker_is_taken_back_after_10_minutes_and_nobody_is_lost()
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 40);
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, ids));
        var batchId = host.Jobs.Take().Single();
        var deliveries = await host.DeliveriesAsync(messageId);
        // A worker claimed the batch, recorded 10 sent, had 5 in flight (Sending) and died.
        await using (var db = host.NewDbContext())
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await db.Batches.Where(b => b.Id == batchId).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Status, BatchStatus.Processing).SetProperty(b => b.ClaimedBy, "dead-worker")
                .SetProperty(b => b.HeartbeatAt, now).SetProperty(b => b.SentCount, 10));
            await db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(s => s.SetProperty(m => m.SentCount, 10));
            var sent = deliveries.Take(10).Select(d => d.Id).ToList();
            var inFlight = deliveries.Skip(10).Take(5).Select(d => d.Id).ToList();
            await db.Deliveries.Where(d => sent.Contains(d.Id)).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Sent));
            await db.Deliveries.Where(d => inFlight.Contains(d.Id)).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Sending));
        }

        clock.Advance(TimeSpan.FromMinutes(9));
        (await ReconcileAsync()).ShouldBe(0, "a heartbeat 9 minutes old is not stale yet");
        (await host.BatchesAsync(messageId)).Single().Status.ShouldBe(BatchStatus.Processing);

        clock.Advance(TimeSpan.FromMinutes(1.5));
        (await ReconcileAsync()).ShouldBe(1);
        host.Jobs.Take().ShouldBe([batchId]);
        await host.RunBatchAsync(batchId);

        var provider = host.Provider.ForMessage(messageId).Select(s => s.DeliveryId).ToList();
        provider.Order().ShouldBe(deliveries.Skip(10).Select(d => d.Id).Order(), "the 5 in flight and the 25 never sent go out; the 10 sent do not");
        (await host.DeliveriesAsync(messageId)).ShouldAllBe(d => d.Status == DeliveryStatus.Sent);
        var message = await host.MessageAsync(messageId);
        (message.Status, message.SentCount).ShouldBe((MessageStatus.Sent, 40));
    }

    [Fact]
    public async Task A_batch_whose_claimer_process_is_gone_is_taken_back_at_once_and_a_live_ones_is_not()
    {
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 150)));
        var batches = host.Jobs.Take();
        // A process of this machine that has exited: its id, and the start time it had.
        using var exited = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "0.3") { UseShellExecute = false })!;
        var startTicks = exited.StartTime.ToUniversalTime().Ticks;
        await exited.WaitForExitAsync();
        var deadClaimer = $"{Environment.MachineName}:{exited.Id}:{startTicks}:run1";
        var liveClaimer = BatchClaimer.NewRun(); // this process: alive
        await using (var db = host.NewDbContext())
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await db.Batches.Where(b => b.Id == batches[0]).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Status, BatchStatus.Processing).SetProperty(b => b.ClaimedBy, deadClaimer).SetProperty(b => b.HeartbeatAt, now));
            await db.Batches.Where(b => b.Id == batches[1]).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Status, BatchStatus.Processing).SetProperty(b => b.ClaimedBy, liveClaimer).SetProperty(b => b.HeartbeatAt, now));
        }

        (await ReconcileAsync()).ShouldBe(1, "the dead claimer's batch, with a fresh heartbeat, without waiting for StaleAfter");

        host.Jobs.Take().ShouldBe([batches[0]]);
        var after = await host.BatchesAsync(messageId);
        after.Single(b => b.Id == batches[0]).Status.ShouldBe(BatchStatus.Pending);
        after.Single(b => b.Id == batches[1]).Status.ShouldBe(BatchStatus.Processing);
        BatchClaimer.IsKnownDead($"another-machine:{exited.Id}:1:run").ShouldBeFalse("another machine's processes cannot be checked");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_claimer_on_another_machine_is_taken_back_at_once_when_its_job_server_is_gone_from_a_shared_list(bool shared)
    {
        // The job storage as SQL Server's or PostgreSQL's would list it: a server of another machine's live process.
        var storage = new InMemoryStorage();
        using (var connection = storage.GetConnection())
            connection.AnnounceServer($"other-machine:4242:638000000000000000:4242:{Guid.NewGuid()}",
                new ServerContext { Queues = [JobQueues.Dispatch], WorkerCount = 10 });
        await using var cluster = await CoreHost.StartAsync(contacts: 600, clock: clock, services: s => s.AddSingleton(sp =>
            new JobServerList(storage, shared, sp.GetRequiredService<ILogger<JobServerList>>())));
        var messageId = await cluster.SendAsync(CoreHost.Compose(ChannelKind.Email, await cluster.ActiveContactIdsAsync(ChannelKind.Email, 150)));
        var batches = cluster.Jobs.Take();
        await using (var db = cluster.NewDbContext())
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await db.Batches.Where(b => b.Id == batches[0]).ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BatchStatus.Processing)
                .SetProperty(b => b.ClaimedBy, "OTHER-MACHINE:4242:638000000000000000:run1").SetProperty(b => b.HeartbeatAt, now));
            await db.Batches.Where(b => b.Id == batches[1]).ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BatchStatus.Processing)
                .SetProperty(b => b.ClaimedBy, "other-machine:4343:638000000000000000:run2").SetProperty(b => b.HeartbeatAt, now));
        }

        await using (var scope = cluster.Services.CreateAsyncScope())
            (await scope.ServiceProvider.GetServices<IReconcileStep>().OfType<RecoverStalledBatchesStep>().Single()
                .ReconcileAsync(CancellationToken.None)).ShouldBe(shared ? 1 : 0);

        var after = await cluster.BatchesAsync(messageId);
        after.Single(b => b.Id == batches[0]).Status.ShouldBe(BatchStatus.Processing, "its process's server is listed");
        after.Single(b => b.Id == batches[1]).Status.ShouldBe(shared ? BatchStatus.Pending : BatchStatus.Processing,
            shared ? "no server of process 4343 is listed" : "a per-process job storage says nothing about other machines");
        cluster.Jobs.Take().ShouldBe(shared ? [batches[1]] : []);
    }

    [Fact]
    public async Task A_hangfire_server_named_after_its_process_is_listed_under_the_name_its_batch_claims_start_with()
    {
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(SilentHangfireLog.Instance);
        var storage = new InMemoryStorage();
        using var server = new BackgroundJobServer(
            new BackgroundJobServerOptions { ServerName = BatchClaimer.ProcessIdentity, WorkerCount = 1, Queues = ["none"] }, storage);
        List<string> listed = [];
        for (var i = 0; i < 100 && listed.Count == 0; i++, await Task.Delay(50))
            listed = storage.GetMonitoringApi().Servers().Select(s => s.Name).ToList();

        // The id Hangfire made (name:pid:guid, lower case), as another machine's instance would see it.
        var id = listed.ShouldHaveSingleItem();
        id.ShouldStartWith(BatchClaimer.ProcessIdentity.ToLowerInvariant() + ":");
        var (pid, ticks) = (Environment.ProcessId, BatchClaimer.ProcessIdentity.Split(':')[2]);
        string[] elsewhere = ["other-machine" + id[Environment.MachineName.Length..]];
        BatchClaimer.IsKnownDead($"Other-Machine:{pid}:{ticks}:run", elsewhere).ShouldBeFalse("its server is listed");
        BatchClaimer.IsKnownDead($"other-machine:{pid + 1}:{ticks}:run", elsewhere).ShouldBeTrue("no server of that process");
        BatchClaimer.IsKnownDead($"other-machine:{pid + 1}:{ticks}:run", null).ShouldBeFalse("no list: unknown");
    }

    [Fact]
    public async Task A_scheduled_send_is_released_and_enqueued_when_its_time_comes()
    {
        var model = CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 120));
        (model.When, model.ScheduledAt) = (SendTiming.At, clock.GetUtcNow().UtcDateTime.AddHours(2));
        var messageId = await host.SendAsync(model);

        clock.Advance(TimeSpan.FromHours(1));
        (await ReconcileAsync()).ShouldBe(0);
        host.Jobs.Take().ShouldBeEmpty();

        clock.Advance(TimeSpan.FromHours(1));
        (await ReconcileAsync()).ShouldBe(1 + 2, "one send released, its two batches enqueued");
        var message = await host.MessageAsync(messageId);
        (message.Status, message.StartedAt).ShouldBe((MessageStatus.Sending, clock.GetUtcNow().UtcDateTime));
        await host.RunEnqueuedAsync();
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sent);
    }

    [Fact]
    public async Task A_send_whose_batches_all_ended_before_the_process_died_gets_its_final_status()
    {
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 10)));
        await host.RunEnqueuedAsync();
        await using (var db = host.NewDbContext())
            await db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Sending)
                .SetProperty(m => m.CompletedAt, (DateTime?)null)
                .SetProperty(m => m.Summary, (string?)null));

        (await ReconcileAsync()).ShouldBe(1);

        var message = await host.MessageAsync(messageId);
        (message.Status, message.Summary).ShouldBe((MessageStatus.Sent, "Sent to 10 recipients. 0 failed. Processed in 1 batch."));
    }
}
