using BulkSender.Core.Activity;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Channels.Pauses;

/// <summary>What an admin's "Resume channel" does; null when the channel was not paused.</summary>
public sealed record ChannelResumed(ChannelKind Channel, int BatchesEnqueued);

/// <summary>
/// Resumes a paused channel: the pause row goes (logged as the admin's), then the batches it held — Pending batches
/// of that channel's sends that are due — are enqueued again, so the sends go on where they stopped.
/// </summary>
public sealed class ChannelResume(ChannelPauses pauses, IDbContextFactory<AppDbContext> dbs, BatchQueue queue, TimeProvider clock)
{
    public async Task<ChannelResumed?> ResumeAsync(ChannelKind channel, Actor actor, CancellationToken cancellationToken)
    {
        if (!await pauses.ResumeAsync(channel, actor, cancellationToken))
            return null;
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var held = await db.Batches
            .Where(b => b.Status == BatchStatus.Pending && (b.DueAt == null || b.DueAt <= now))
            .Where(b => b.Message!.Channel == channel && b.Message.Status == MessageStatus.Sending)
            .OrderBy(b => b.Id).Select(b => b.Id).ToListAsync(cancellationToken);
        await queue.EnqueueAsync(held, cancellationToken);
        return new ChannelResumed(channel, held.Count);
    }
}
