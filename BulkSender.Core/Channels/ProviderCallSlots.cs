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
/// <remarks>One recipient's calls come one after another: not thread-safe, nor need it be.</remarks>
public sealed class ProviderCallSlots(ChannelRateLimiter limiter, RateSlot granted)
{
    private bool grantedUsed;

    public async ValueTask BeforeCallAsync(CancellationToken cancellationToken)
    {
        var first = !grantedUsed;
        grantedUsed = true;
        if (first && limiter.StillOnTime(granted))
            return;
        await limiter.TakeAsync(granted.Channel, cancellationToken);
    }
}
