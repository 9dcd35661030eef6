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
public sealed class ProviderCallSlots(ChannelRateLimiter limiter, RateSlot granted)
{
    private int calls;

    public async ValueTask BeforeCallAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref calls) == 1 && limiter.StillOnTime(granted))
            return;
        await limiter.TakeAsync(granted.Channel, cancellationToken);
    }
}
