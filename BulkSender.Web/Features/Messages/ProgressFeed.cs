using BulkSender.Core.Messages;
namespace BulkSender.Web.Features.Messages;

/// <summary>
/// Progress for the dashboard's own circuits, in process: the message page, the messages list and the sender's
/// snackbar listen here (the same updates go to hub clients). Components listen through <see cref="Subscribe"/>;
/// event handlers run on the publisher's thread and must only hand the update on.
/// </summary>
public sealed class ProgressFeed(ILogger<ProgressFeed> log, TimeProvider? clock = null)
{
    public event Action<MessageProgress>? Progressed;

    /// <summary>The completion and the id of the user who sent it.</summary>
    public event Action<SendCompleted, string?>? Completed;

    /// <summary>
    /// A component's subscription: pass its <c>InvokeAsync</c> and <c>StateHasChanged</c>, configure what it listens
    /// to, and dispose it with the component.
    /// </summary>
    public ProgressSubscription Subscribe(Func<Func<Task>, Task> invoke, Action render) =>
        new(this, invoke, render, clock ?? TimeProvider.System, log);

    internal void Publish(MessageProgress progress) => Raise(Progressed, h => h(progress));

    internal void Publish(SendCompleted completed, string? senderId) => Raise(Completed, h => h(completed, senderId));

    private void Raise<T>(T? handlers, Action<T> invoke) where T : Delegate
    {
        foreach (var handler in handlers?.GetInvocationList().Cast<T>() ?? [])
        {
            try
            {
                invoke(handler);
            }
            catch (Exception ex)
            {
                log.LogWarning(ex, "A progress listener failed");
            }
        }
    }
}
