namespace BulkSender.Core.Identity;

/// <summary>
/// Tells this process that an account's sign-ins must be checked again now: it was disabled or re-enabled, its role
/// or password changed (each of which gives it a new security stamp), or one of its sessions logged out. Open
/// dashboard circuits and hub connections of that account listen and re-check at once; a browser request re-checks
/// its cookie anyway. Raised after the change is saved. Other instances notice through their own periodic check.
/// </summary>
public sealed class AccountChanges
{
    /// <summary>
    /// The id of the account that changed. Handlers run on the caller's thread: they only start their check, never block or throw.
    /// </summary>
    public event Action<string>? Changed;

    public void Raise(string userId) => Changed?.Invoke(userId);
}
