using BulkSender.Core.Channels;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// What became of a chunk's recipients: the channel's answers (including the gate's window refusals), those skipped
/// because they opted out, and those never handed to the channel (the run stopped first), which go back to Pending.
/// </summary>
internal sealed record ChunkOutcome(
    IReadOnlyList<(BatchRecipient Recipient, ChannelResult Result)> Results,
    IReadOnlyList<BatchRecipient> Skipped,
    IReadOnlyList<BatchRecipient> Unsent,
    BatchStop Stop)
{
    /// <summary>The chunk as far as it went: what follows the answered and skipped recipients was not sent.</summary>
    public static ChunkOutcome Of(IReadOnlyList<BatchRecipient> chunk, List<(BatchRecipient, ChannelResult)> results, List<BatchRecipient> skipped,
        BatchStop stop) =>
        new(results, skipped, chunk.Skip(results.Count + skipped.Count).ToList(), stop);
}
