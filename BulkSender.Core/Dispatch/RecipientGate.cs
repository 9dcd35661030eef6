using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// The step every recipient of a batch passes before the channel is called, in this order: opted out since its chunk
/// was marked (skip), outside Messenger's 24-hour window without a tag (refuse, <see cref="MessagingWindow"/>), the
/// channel's daily allowance used up (hold the batch, <see cref="DailySendQuota"/>), then the shared rate limiter
/// (wait for a slot). One gate per batch run.
/// </summary>
/// <remarks>
/// Opt-outs are read again only when <see cref="OptOutSignal"/> moved since <see cref="Watch"/>, and then for the
/// chunk's own contacts (a handful of ids by primary key); the chunk's conditional mark covers the opt-outs before it.
/// </remarks>
internal sealed class RecipientGate(
    OptOutSignal optOuts,
    DailySendQuota quota,
    ChannelRateLimiter limiter,
    TimeProvider clock,
    BatchTransitions run,
    BatchContent content,
    int? dailyLimit)
{
    private static readonly IReadOnlySet<int> NoOne = new HashSet<int>();
    private long seen;
    private IReadOnlySet<int> optedOut = NoOne;

    /// <summary>Called before a chunk is marked Sending: an opt-out after this raises the signal the gate watches.</summary>
    public void Watch() => (seen, optedOut) = (optOuts.Version, NoOne);

    public async Task<GateVerdict> PassAsync(BatchRecipient recipient, IReadOnlyList<BatchRecipient> chunk, CancellationToken cancellationToken)
    {
        if (optOuts.Version is var version && version != seen)
            (seen, optedOut) = (version, await run.OptedOutAsync(chunk));
        if (recipient.ContactId is { } contactId && optedOut.Contains(contactId))
            return GateVerdict.SkipOptedOut;
        if (MessagingWindow.Check(content.Channel, recipient.LastInboundAt, content.MessageTag, clock.GetUtcNow(), content.Template is not null) is { } refused)
            return GateVerdict.Refuse(refused);
        if (dailyLimit is { } limit && !await quota.TryTakeAsync(content.Channel, limit, cancellationToken))
            return GateVerdict.Hold;
        await limiter.WaitAsync(content.Channel, cancellationToken);
        return GateVerdict.Send;
    }
}
