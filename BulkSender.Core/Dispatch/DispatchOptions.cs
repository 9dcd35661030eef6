using System.ComponentModel.DataAnnotations;

namespace BulkSender.Core.Dispatch;

/// <summary>Bound to "Dispatch": how sends are cut into batches.</summary>
public sealed class DispatchOptions
{
    public const string Section = "Dispatch";

    /// <summary>The most contacts one hand-picked selection may hold. A product rule, not a setting.</summary>
    public const int MaxSelection = 2000;

    /// <summary>Recipients per batch; one Hangfire job sends one batch.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 100;

    public int BatchesFor(int recipients) => (recipients + BatchSize - 1) / BatchSize;
}
