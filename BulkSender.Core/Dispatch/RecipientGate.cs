using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Channels.WhatsApp;
using BulkSender.Core.Compliance;
using BulkSender.Core.Retries;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// The step every recipient of a batch passes before the channel is called, in this order: a slot of the channel's
/// sends in flight (<see cref="InFlightLimiter"/>, shared by every batch of the channel), the send cancelled (the batch
/// ends, <see cref="SendCancellations"/>, read from memory), the channel paused (hold the batch until an admin resumes
/// it, <see cref="ChannelPauses"/>, read from memory), opted out since its chunk was
/// marked (skip), outside the 24-hour window (refuse, <see cref="MessagingWindow"/>), its personalized text over the
/// channel's limit (fail, <see cref="SendBatchJob.RenderFailedCode"/>; before the limits, so it uses none), the
/// channel's daily allowance used up (hold the batch, <see cref="DailySendQuota"/>), WhatsApp's messaging limit reached
/// by a template to a contact outside the window (hold the batch, <see cref="WhatsAppMessagingLimit"/>), then the shared
/// rate limiter (wait for a slot). One gate per batch run; one recipient in it at a time.
/// </summary>
/// <remarks>
/// The in-flight slot comes first, so the checks are made when the recipient can go at once, not before a wait for a
/// slow provider; a recipient that does not go gives its slot back. Opt-outs are read again only when
/// <see cref="OptOutSignal"/> moved since <see cref="Watch"/>, and then for the chunk's own contacts (a handful of ids by
/// primary key); the chunk's conditional mark covers the opt-outs before it.
/// </remarks>
internal sealed class RecipientGate(
    OptOutSignal optOuts,
    DailySendQuota quota,
    WhatsAppMessagingLimit messaging,
    ChannelRateLimiter limiter,
    InFlightLimiter inFlight,
    TimeProvider clock,
    BatchTransitions run,
    BatchContent content,
    GateLimits limits,
    ChannelPauses pauses,
    Func<bool> cancelled)
{
    private static readonly IReadOnlySet<int> NoOne = new HashSet<int>();
    private long seen;
    private IReadOnlySet<int> optedOut = NoOne;

    /// <summary>Called before a chunk is marked Sending: an opt-out after this raises the signal the gate watches.</summary>
    public void Watch() => (seen, optedOut) = (optOuts.Version, NoOne);

    /// <param name="renderProblem">Why the recipient's personalized text cannot go (too long), or null.</param>
    public async Task<GateVerdict> PassAsync(BatchRecipient recipient, IReadOnlyList<BatchRecipient> chunk, string? renderProblem,
        CancellationToken cancellationToken)
    {
        var slot = await inFlight.AcquireAsync(content.Channel, cancellationToken);
        try
        {
            var businessInitiated = content.Channel == ChannelKind.WhatsApp && content.Template is not null
                && !MessagingWindow.IsInside(recipient.LastInboundAt, clock.GetUtcNow());
            var stop = await StopAsync(recipient, chunk, renderProblem, cancellationToken);
            var taken = TakenLimits.None;
            if (stop is null)
                (stop, taken) = await TakeLimitsAsync(recipient, businessInitiated, cancellationToken);
            if (stop is null)
                return GateVerdict.Send(slot, await limiter.TakeAsync(content.Channel, cancellationToken), businessInitiated, taken);
            slot.Dispose();
            return stop;
        }
        catch
        {
            slot.Dispose();
            throw;
        }
    }

    /// <summary>Why the recipient does not go (before any limit is taken), or null when it may.</summary>
    private async Task<GateVerdict?> StopAsync(BatchRecipient recipient, IReadOnlyList<BatchRecipient> chunk, string? renderProblem,
        CancellationToken cancellationToken)
    {
        if (cancelled()) // known here since the chunk was marked: the rest of it takes no slot, no allowance
            return GateVerdict.Cancelled;
        if (await pauses.IsPausedAsync(content.Channel, cancellationToken))
            return GateVerdict.Paused;
        if (optOuts.Version is var version && version != seen)
            (seen, optedOut) = (version, await run.OptedOutAsync(chunk));
        if (recipient.ContactId is { } contactId && optedOut.Contains(contactId))
            return GateVerdict.SkipOptedOut;
        if (MessagingWindow.Check(content.Channel, recipient.LastInboundAt, clock.GetUtcNow(), content.Template is not null) is { } refused)
            return GateVerdict.Refuse(refused);
        if (renderProblem is not null) // like a window refusal: the provider is not called, the recipient fails as other
            return GateVerdict.Refuse(ChannelResult.Failed(ErrorType.Other, SendBatchJob.RenderFailedCode, renderProblem));
        return null;
    }

    /// <summary>
    /// The channel's limits: a unit of the daily allowance and WhatsApp's messaging limit; what was taken, or the hold
    /// when one is reached.
    /// </summary>
    private async Task<(GateVerdict? Hold, TakenLimits Taken)> TakeLimitsAsync(BatchRecipient recipient, bool businessInitiated,
        CancellationToken cancellationToken)
    {
        DateTime? allowanceDay = null;
        if (limits.Daily is { } daily && (allowanceDay = await quota.TakeAsync(content.Channel, daily, cancellationToken)) is null)
            return (GateVerdict.Hold, TakenLimits.None);
        MessagingLimitTake? contact = null;
        if (businessInitiated && limits.Messaging is { } tier
            && (contact = await messaging.TakeAsync(recipient.Address, tier, cancellationToken)) is null)
            return (GateVerdict.HoldForMessagingLimit, TakenLimits.None);
        return (null, new TakenLimits(allowanceDay, contact));
    }
}

/// <summary>The limits a batch run checks, read once per run: the channel's daily limit and WhatsApp's messaging limit (null: none).</summary>
internal sealed record GateLimits(int? Daily, int? Messaging);
