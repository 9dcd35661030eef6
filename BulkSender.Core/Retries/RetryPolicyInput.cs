namespace BulkSender.Core.Retries;

/// <summary>A retry policy as an admin sets it: on a message, or as the default for new ones.</summary>
public sealed class RetryPolicyInput
{
    public RetryPolicyType Policy { get; set; } = RetryPolicyType.Manual;
    public int MaxAttempts { get; set; } = 3;
}
