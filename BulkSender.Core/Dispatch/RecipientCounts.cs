using BulkSender.Core.Messages;
using Microsoft.EntityFrameworkCore.Query;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// Recipients by outcome: what a chunk adds to a batch's and its message's counters, or what a retry round or a late
/// provider event moves between them. The one place the counters change: always as set-based increments inside the
/// caller's update (<c>SentCount = SentCount + n</c>), never by reading and writing back a total.
/// </summary>
public sealed record RecipientCounts(int Sent = 0, int Failed = 0, int Skipped = 0)
{
    public void AddTo(UpdateSettersBuilder<MessageBatch> batch)
    {
        var (sent, failed, skipped) = (Sent, Failed, Skipped);
        batch.SetProperty(b => b.SentCount, b => b.SentCount + sent)
            .SetProperty(b => b.FailedCount, b => b.FailedCount + failed)
            .SetProperty(b => b.SkippedCount, b => b.SkippedCount + skipped);
    }

    public void AddTo(UpdateSettersBuilder<Message> message)
    {
        var (sent, failed, skipped) = (Sent, Failed, Skipped);
        message.SetProperty(m => m.SentCount, m => m.SentCount + sent)
            .SetProperty(m => m.FailedCount, m => m.FailedCount + failed)
            .SetProperty(m => m.SkippedCount, m => m.SkippedCount + skipped);
    }
}
