namespace BulkSender.Core.Retries;

public enum RetryPolicyType
{
    /// <summary>Only when an operator asks.</summary>
    Manual,

    /// <summary>The next round starts as soon as a round ends with retryable failures.</summary>
    Immediate,

    /// <summary>A recurring job starts the next round every 15 minutes.</summary>
    Scheduled,
}
