using System.Collections.Concurrent;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Web.Features.Messages;

/// <summary>
/// Core's progress reports, passed on to the hub group of the message and to the in-process <see cref="ProgressFeed"/>.
/// Counter updates are throttled to one per <see cref="Interval"/> per message (the latest snapshot of each batch
/// wins); batch and message state changes go out at once. Updates of one message go out in order.
/// </summary>
public sealed class ProgressPublisher(
    IHubContext<ProgressHub, IProgressClient> hub,
    ProgressFeed feed,
    IDbContextFactory<AppDbContext> dbs,
    TimeProvider clock,
    ILogger<ProgressPublisher> log) : IDispatchProgress
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<int, Outbox> outboxes = new();

    public void Progressed(BatchSnapshot batch) => Queue(batch.MessageId, batch, immediate: false);

    public void BatchChanged(BatchSnapshot batch) => Queue(batch.MessageId, batch, immediate: true);

    public void MessageChanged(int messageId) => Queue(messageId, null, immediate: true);

    public void MessageCompleted(int messageId) => _ = CompleteAsync(messageId);

    /// <summary>Throttled like counter updates: a burst of delivered/read events is one update (the page then reads the funnel).</summary>
    public void FunnelChanged(int messageId) => Queue(messageId, null, immediate: false);

    private void Queue(int messageId, BatchSnapshot? batch, bool immediate)
    {
        var outbox = outboxes.GetOrAdd(messageId, _ => new Outbox());
        TimeSpan wait;
        lock (outbox)
        {
            if (batch is not null)
                outbox.Batches[batch.BatchId] = batch;
            if (!immediate)
            {
                if (outbox.Scheduled)
                    return; // the update already on its way carries this one too
                outbox.Scheduled = true;
            }
            wait = immediate || outbox.LastSent is not { } last ? TimeSpan.Zero : Interval - clock.GetElapsedTime(last);
        }
        _ = SendAsync(messageId, outbox, wait, scheduled: !immediate);
    }

    private async Task SendAsync(int messageId, Outbox outbox, TimeSpan wait, bool scheduled)
    {
        try
        {
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, clock);
            await outbox.InOrder.WaitAsync();
            try
            {
                BatchSnapshot[] batches;
                lock (outbox)
                {
                    batches = [.. outbox.Batches.Values.OrderBy(b => b.Number)];
                    outbox.Batches.Clear();
                    if (scheduled)
                        outbox.Scheduled = false;
                    outbox.LastSent = clock.GetTimestamp();
                }
                await using var db = await dbs.CreateDbContextAsync();
                if (await MessageQueries.SnapshotAsync(db, messageId, batches, CancellationToken.None) is not { } progress)
                    return;
                feed.Publish(progress);
                await hub.Clients.Group(ProgressHub.Group(messageId)).Progress(progress);
                if (scheduled && !progress.InFlight)
                    _ = ForgetAsync(messageId, outbox);
            }
            finally
            {
                outbox.InOrder.Release();
            }
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "Could not publish the progress of message {MessageId}", messageId);
        }
    }

    /// <summary>
    /// Funnel events go on long after a send ended: an ended send's outbox is dropped once a quiet interval has passed
    /// (until then it keeps throttling), so outboxes do not pile up for every send that ever got an event.
    /// </summary>
    private async Task ForgetAsync(int messageId, Outbox outbox)
    {
        await Task.Delay(Interval, clock);
        lock (outbox)
        {
            if (!outbox.Scheduled && outbox.LastSent is { } last && clock.GetElapsedTime(last) >= Interval)
                outboxes.TryRemove(KeyValuePair.Create(messageId, outbox));
        }
    }

    private async Task CompleteAsync(int messageId)
    {
        try
        {
            await SendAsync(messageId, outboxes.GetOrAdd(messageId, _ => new Outbox()), TimeSpan.Zero, scheduled: false);
            outboxes.TryRemove(messageId, out _);
            await using var db = await dbs.CreateDbContextAsync();
            var message = await db.Messages.AsNoTracking().Where(m => m.Id == messageId)
                .Select(m => new { m.Title, m.Status, m.Summary, m.CreatedById }).SingleOrDefaultAsync();
            if (message is null)
                return;
            var completed = new SendCompleted(messageId, message.Title, message.Status, message.Summary ?? "");
            feed.Publish(completed, message.CreatedById);
            await hub.Clients.Group(ProgressHub.Group(messageId)).Completed(completed);
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "Could not publish the completion of message {MessageId}", messageId);
        }
    }

    private sealed class Outbox
    {
        public Dictionary<int, BatchSnapshot> Batches { get; } = [];

        public SemaphoreSlim InOrder { get; } = new(1, 1);

        public bool Scheduled { get; set; }

        public long? LastSent { get; set; }
    }
}
