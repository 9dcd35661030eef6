namespace BulkSender.Web.Features.Messages;

/// <summary>
/// Progress for the dashboard's own circuits, in process: the message page, the messages list and the sender's
/// snackbar listen here (the same updates go to hub clients). Handlers run on the publisher's thread and must only
/// hand the update to their component (InvokeAsync).
/// </summary>
public sealed class ProgressFeed(ILogger<ProgressFeed> log)
{
    public event Action<MessageProgress>? Progressed;

    /// <summary>The completion and the id of the user who sent it.</summary>
    public event Action<SendCompleted, string?>? Completed;

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
