using BulkSender.Core.Messages;
namespace BulkSender.Web.Features.Messages;

/// <summary>
/// One component's live view of the <see cref="ProgressFeed"/> (as eShop's OrderStatusNotificationService hands out
/// subscriptions), disposed with the component. Every handler runs on the component's renderer (its InvokeAsync) and
/// is followed by a render:
/// <list type="number">
/// <item><see cref="OnProgress"/> / <see cref="OnCompleted"/>: each pushed update that passes the filter, at once —
/// render what was pushed.</item>
/// <item><see cref="AfterUpdates"/>: once per <see cref="Window"/> after any such update (a burst of updates is one
/// call) — re-read only what a push doesn't carry.</item>
/// <item><see cref="Poll"/>: every interval while a condition holds — for changes that are never pushed here (sends
/// run by another app instance); say why where it is used.</item>
/// </list>
/// </summary>
public sealed class ProgressSubscription : IDisposable
{
    /// <summary>How long <see cref="AfterUpdates"/> waits after the first of a burst of updates.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    private readonly ProgressFeed feed;
    private readonly Func<Func<Task>, Task> invoke;
    private readonly Action render;
    private readonly TimeProvider clock;
    private readonly ILogger log;
    private readonly CancellationTokenSource stopped = new();
    private Func<MessageProgress, bool>? progressFilter;
    private Action<MessageProgress>? progressed;
    private Func<SendCompleted, string?, bool>? completedFilter;
    private Action<SendCompleted>? completed;
    private Func<Task>? afterUpdates;
    private int afterUpdatesQueued;

    internal ProgressSubscription(ProgressFeed feed, Func<Func<Task>, Task> invoke, Action render, TimeProvider clock, ILogger log)
    {
        (this.feed, this.invoke, this.render, this.clock, this.log) = (feed, invoke, render, clock, log);
        feed.Progressed += OnProgressed;
        feed.Completed += OnCompleted;
    }

    /// <summary>Progress updates that pass <paramref name="filter"/>; <paramref name="handler"/> (optional) applies each one.</summary>
    public ProgressSubscription OnProgress(Func<MessageProgress, bool> filter, Action<MessageProgress>? handler = null)
    {
        (progressFilter, progressed) = (filter, handler);
        return this;
    }

    /// <summary>Completions that pass <paramref name="filter"/> (given the completion and its sender's id).</summary>
    public ProgressSubscription OnCompleted(Func<SendCompleted, string?, bool> filter, Action<SendCompleted>? handler = null)
    {
        (completedFilter, completed) = (filter, handler);
        return this;
    }

    /// <summary>Runs <paramref name="handler"/> once per <see cref="Window"/> after updates or completions that passed their filter.</summary>
    public ProgressSubscription AfterUpdates(Func<Task> handler)
    {
        afterUpdates = handler;
        return this;
    }

    /// <summary>Runs <paramref name="handler"/> every <paramref name="interval"/> while <paramref name="condition"/> holds.</summary>
    public ProgressSubscription Poll(TimeSpan interval, Func<bool> condition, Func<Task> handler)
    {
        _ = PollAsync(interval, condition, handler);
        return this;
    }

    private void OnProgressed(MessageProgress update)
    {
        if (progressFilter?.Invoke(update) != true)
            return;
        if (progressed is { } handler)
            Run(() => { handler(update); return Task.CompletedTask; });
        QueueAfterUpdates();
    }

    private void OnCompleted(SendCompleted update, string? senderId)
    {
        if (completedFilter?.Invoke(update, senderId) != true)
            return;
        if (completed is { } handler)
            Run(() => { handler(update); return Task.CompletedTask; });
        QueueAfterUpdates();
    }

    private void QueueAfterUpdates()
    {
        if (afterUpdates is not { } handler || Interlocked.Exchange(ref afterUpdatesQueued, 1) == 1)
            return; // the call already on its way covers this update too
        _ = Task.Delay(Window, clock, stopped.Token).ContinueWith(_ =>
        {
            Interlocked.Exchange(ref afterUpdatesQueued, 0);
            Run(handler);
        }, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private async Task PollAsync(TimeSpan interval, Func<bool> condition, Func<Task> handler)
    {
        using var timer = new PeriodicTimer(interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stopped.Token))
                Run(handler, condition);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Run(Func<Task> handler, Func<bool>? condition = null) => _ = RunAsync(handler, condition);

    private async Task RunAsync(Func<Task> handler, Func<bool>? condition)
    {
        if (stopped.IsCancellationRequested)
            return;
        try
        {
            await invoke(async () =>
            {
                if (condition?.Invoke() == false)
                    return;
                await handler();
                render();
            });
        }
        catch (Exception ex) when (stopped.IsCancellationRequested || ex is ObjectDisposedException)
        {
            // The component went away meanwhile.
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "A live page could not apply a progress update");
        }
    }

    public void Dispose()
    {
        feed.Progressed -= OnProgressed;
        feed.Completed -= OnCompleted;
        stopped.Cancel(); // not disposed: a handler already running on the publisher's thread may still read its token
    }
}
