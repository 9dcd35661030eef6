namespace BulkSender.Core.Dispatch;

/// <summary>Why a batch run stopped before its last recipient (None: it reached the end).</summary>
internal enum BatchStop
{
    None,

    /// <summary>The operator cancelled the send.</summary>
    Cancelled,

    /// <summary>The process is shutting down: the batch goes back to Pending for the next start.</summary>
    Shutdown,

    /// <summary>Someone else owns the batch now (it was taken back as stalled).</summary>
    LostClaim,

    /// <summary>The channel's daily limit is used up: the batch goes back to Pending, due at the next UTC day.</summary>
    DailyLimit,

    /// <summary>
    /// WhatsApp's messaging limit is reached: the batch goes back to Pending, due when the oldest contact counted leaves
    /// the 24 hours.
    /// </summary>
    MessagingLimit,

    /// <summary>The channel is paused (a provider error said it cannot send): the batch goes back to Pending until an admin resumes it.</summary>
    ChannelPaused,
}
