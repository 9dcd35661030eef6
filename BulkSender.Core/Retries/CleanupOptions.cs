using System.ComponentModel.DataAnnotations;

namespace BulkSender.Core.Retries;

/// <summary>Bound to "Cleanup".</summary>
public sealed class CleanupOptions
{
    public const string Section = "Cleanup";

    /// <summary>Successful deliveries older than this many days are deleted; failed ones and every total stay.</summary>
    [Range(1, 3650)]
    public int KeepSuccessfulDays { get; set; } = 90;
}
