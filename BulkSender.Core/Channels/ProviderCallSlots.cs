using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Channels.RateLimits;

namespace BulkSender.Core.Channels;

/// <summary>
/// The rate-limiter slots of one recipient's provider calls, which its adapter asks for just before each call
/// (<see cref="OutgoingMessage.BeforeCallAsync"/>). The first call goes in the slot the send pipeline was granted, unless
/// that slot passed more than <see cref="SlotPlan.Lateness"/> ago on the way to the adapter (a busy machine, a wait for
/// an SMTP connection) or a back-off began since: it then waits for the next slot, as a waiter that woke late does,
/// instead of leaving right behind the calls of later slots and crowding the provider's second. Every further call
/// (Messenger's text after its attachment) waits for a slot of its own.
/// </summary>
/// <remarks>
/// <para>No call leaves once its channel is paused (<see cref="ChannelPauses"/>, what this process knows, read from
/// memory): the check comes before and after any wait for a slot, and throws <see cref="ChannelPausedException"/>. The
/// gate checked the pause before the slot; this spares a restricted account the calls that were on their way when the
/// pausing reply came, among them those that waited out its back-off (WhatsApp's 131048 is a rate-limit reply too).</para>
/// <para>Nor does a recipient's first call leave once its send is known to be cancelled (<paramref name="cancelled"/>,
/// from memory too: <see cref="Dispatch.SendCancellations"/>), checked at the same points: it throws
/// <see cref="SendCancelledException"/>. A call that waited out a provider's Retry-After for its slot would otherwise
/// reach a recipient minutes after the operator cancelled. A recipient whose first call left gets the rest of its message
/// (Messenger's text after its attachment).</para>
/// <para>One recipient's calls come one after another: not thread-safe, nor need it be.</para>
/// </remarks>
public sealed class ProviderCallSlots(ChannelRateLimiter limiter, RateSlot granted, ChannelPauses pauses, Func<bool>? cancelled = null)
{
    private bool grantedUsed;

    /// <summary>Whether the recipient's first call was let through (false: none was asked for yet, or it was withheld).</summary>
    public bool FirstCallLeft { get; private set; }

    public async ValueTask BeforeCallAsync(CancellationToken cancellationToken)
    {
        var first = !grantedUsed;
        grantedUsed = true;
        ThrowIfWithheld(first);
        if (!first || !limiter.StillOnTime(granted))
        {
            await limiter.TakeAsync(granted.Channel, cancellationToken);
            ThrowIfWithheld(first);
        }
        FirstCallLeft = true;
    }

    private void ThrowIfWithheld(bool first)
    {
        if (pauses.IsKnownPaused(granted.Channel))
            throw new ChannelPausedException(granted.Channel);
        if (first && cancelled?.Invoke() == true)
            throw new SendCancelledException();
    }
}
