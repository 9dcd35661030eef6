using System.ComponentModel.DataAnnotations;

namespace BulkSender.Core.Retries;

/// <summary>Bound to "Retries": the retry policy a new message starts with unless an admin setting overrides it.</summary>
public sealed class RetryOptions
{
    public const string Section = "Retries";

    public RetryPolicyType DefaultPolicy { get; set; } = RetryPolicyType.Manual;

    [Range(1, 10)] public int DefaultMaxAttempts { get; set; } = 3;
}
