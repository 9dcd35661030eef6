using BulkSender.Core.Channels;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// What became of a batch's recipients since its last write: the channel's answers (including the gate's window
/// refusals), those skipped because they opted out, and those never handed to the channel (the run stopped first),
/// which go back to Pending.
/// </summary>
internal sealed record ChunkOutcome(
    IReadOnlyList<(BatchRecipient Recipient, ChannelResult Result)> Results,
    IReadOnlyList<BatchRecipient> Skipped,
    IReadOnlyList<BatchRecipient> Unsent)
{
    public bool IsEmpty => Results.Count == 0 && Skipped.Count == 0 && Unsent.Count == 0;
}
