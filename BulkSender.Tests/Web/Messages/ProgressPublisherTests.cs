using System.Collections.Concurrent;
using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Messages;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace BulkSender.Tests.Web.Messages;

/// <summary>Progress goes out at most 4 times a second per message; state changes go out at once.</summary>
public sealed class ProgressPublisherTests : IAsyncLifetime
{
    private readonly TimerWatchingClock clock = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingHub hub = new();
    private CoreHost host = null!;
    private ProgressPublisher publisher = null!;
    private int messageId;
    private List<BatchSnapshot> batches = null!;

    public async Task InitializeAsync()
    {
        host = await CoreHost.StartAsync(contacts: 600);
        messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 150), "Watched"));
        batches = (await host.BatchesAsync(messageId)).Select(BatchSnapshot.Of).ToList();
        publisher = new ProgressPublisher(hub, new ProgressFeed(NullLogger<ProgressFeed>.Instance),
            host.Services.GetRequiredService<IDbContextFactory<AppDbContext>>(), clock, NullLogger<ProgressPublisher>.Instance);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private Task<int> SentAsync(int count) => Until(() => hub.Updates.Count >= count).ContinueWith(_ => hub.Updates.Count);

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("Nothing was published.");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task Counter_updates_are_coalesced_to_one_per_quarter_second_with_the_latest_snapshot_of_each_batch()
    {
        var batch = batches[0];
        publisher.Progressed(batch with { SentCount = 5 });
        await SentAsync(1);

        for (var sent = 10; sent <= 50; sent += 5)
            publisher.Progressed(batch with { SentCount = sent });
        (await clock.ArmedAtAsync(clock.GetUtcNow() + ProgressPublisher.Interval))
            .ShouldHaveSingleItem("the rest waits for the quarter second to pass: nine reports, one update on its way");
        hub.Updates.Count.ShouldBe(1);

        clock.Advance(ProgressPublisher.Interval);
        (await SentAsync(2)).ShouldBe(2);
        hub.Updates.Last().Batches.ShouldHaveSingleItem().SentCount.ShouldBe(50);
        hub.GroupNames.ShouldAllBe(g => g == ProgressHub.Group(messageId));
    }

    [Fact]
    public async Task Funnel_changes_of_an_ended_send_are_coalesced_like_counter_updates()
    {
        await host.RunEnqueuedAsync();

        for (var i = 0; i < 20; i++)
            publisher.FunnelChanged(messageId); // a burst of delivered / read events
        await SentAsync(1);
        // The rest waits for the quarter second to pass: one update on its way, and the ended send's outbox waits to be
        // forgotten (once the quarter second was quiet); nothing else.
        var due = clock.GetUtcNow() + ProgressPublisher.Interval;
        await Waiting.UntilAsync(() => clock.Armed.Count >= 2, "the update and the forgetting to wait", TimeSpan.FromSeconds(5));
        clock.Armed.ShouldBe([due, due]);
        hub.Updates.Count.ShouldBe(1, "the rest waits for the quarter second to pass");

        clock.Advance(ProgressPublisher.Interval);
        await SentAsync(2);
        // Updates of a message go out in order: once the completion's has gone, none queued before it is still to come.
        publisher.MessageCompleted(messageId);
        await Until(() => !hub.Completions.IsEmpty);
        hub.Updates.Count.ShouldBe(3, "twenty events, two updates, then the completion's");
        hub.Updates.ShouldAllBe(p => p.MessageId == messageId && !p.InFlight);
    }

    [Fact]
    public async Task Every_batch_state_change_goes_out_at_once_carrying_the_waiting_counters()
    {
        publisher.Progressed(batches[0] with { SentCount = 5 });
        await SentAsync(1);
        publisher.Progressed(batches[0] with { SentCount = 10 });

        publisher.BatchChanged(batches[1] with { Status = BatchStatus.Processing });
        publisher.BatchChanged(batches[1] with { Status = BatchStatus.Completed });

        await SentAsync(3);
        hub.Updates.SelectMany(p => p.Batches).Where(b => b.BatchId == batches[1].BatchId).Select(b => b.Status)
            .ShouldBe([BatchStatus.Processing, BatchStatus.Completed]);
        hub.Updates.SelectMany(p => p.Batches).ShouldContain(b => b.BatchId == batches[0].BatchId && b.SentCount == 10);
    }

    [Fact]
    public async Task Completion_sends_the_summary_to_the_group()
    {
        await host.RunEnqueuedAsync();

        publisher.MessageCompleted(messageId);

        await Until(() => !hub.Completions.IsEmpty);
        hub.Completions.Single().ShouldBe(new SendCompleted(messageId, "Watched", (await host.MessageAsync(messageId)).Status,
            (await host.MessageAsync(messageId)).Summary!));
    }

    /// <summary>IHubContext that records what is sent to groups.</summary>
    private sealed class RecordingHub : IHubContext<ProgressHub, IProgressClient>, IHubClients<IProgressClient>, IProgressClient
    {
        public ConcurrentQueue<MessageProgress> Updates { get; } = new();
        public ConcurrentQueue<SendCompleted> Completions { get; } = new();
        public ConcurrentQueue<string> GroupNames { get; } = new();

        IHubClients<IProgressClient> IHubContext<ProgressHub, IProgressClient>.Clients => this;
        IGroupManager IHubContext<ProgressHub, IProgressClient>.Groups => throw new NotSupportedException();

        IProgressClient IHubClients<IProgressClient>.Group(string groupName)
        {
            GroupNames.Enqueue(groupName);
            return this;
        }

        Task IProgressClient.Progress(MessageProgress progress)
        {
            Updates.Enqueue(progress);
            return Task.CompletedTask;
        }

        Task IProgressClient.Completed(SendCompleted completed)
        {
            Completions.Enqueue(completed);
            return Task.CompletedTask;
        }

        IProgressClient IHubClients<IProgressClient>.All => throw new NotSupportedException();
        IProgressClient IHubClients<IProgressClient>.AllExcept(IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();
        IProgressClient IHubClients<IProgressClient>.Client(string connectionId) => throw new NotSupportedException();
        IProgressClient IHubClients<IProgressClient>.Clients(IReadOnlyList<string> connectionIds) => throw new NotSupportedException();
        IProgressClient IHubClients<IProgressClient>.GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) =>
            throw new NotSupportedException();
        IProgressClient IHubClients<IProgressClient>.Groups(IReadOnlyList<string> groupNames) => throw new NotSupportedException();
        IProgressClient IHubClients<IProgressClient>.User(string userId) => throw new NotSupportedException();
        IProgressClient IHubClients<IProgressClient>.Users(IReadOnlyList<string> userIds) => throw new NotSupportedException();
    }
}
