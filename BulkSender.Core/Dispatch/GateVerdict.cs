using BulkSender.Core.Channels;
using BulkSender.Core.Channels.WhatsApp;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// What <see cref="RecipientGate"/> says about one recipient; <see cref="Refusal"/> is set when it is Refuse, and
/// <see cref="Slot"/> (the channel's in-flight slot, to give back when the provider answers) when it is Send.
/// </summary>
internal sealed record GateVerdict(GateVerdict.Kind Is, ChannelResult? Refusal = null, InFlightLimiter.InFlightLease? Slot = null)
{
    /// <summary>With Send: a WhatsApp template to a contact outside the service window (counts toward the messaging limit).</summary>
    public bool BusinessInitiated { get; init; }

    /// <summary>With Send: the rate-limiter slot the recipient's first provider call goes in.</summary>
    public RateSlot Rate { get; init; }

    /// <summary>With Send: what the recipient took of the channel's limits, given back if its call is withheld on its way.</summary>
    public TakenLimits Taken { get; init; } = TakenLimits.None;

    public enum Kind
    {
        /// <summary>Hand the message to the channel now (it holds an in-flight slot, and the rate limiter has let it through).</summary>
        Send,

        /// <summary>The contact opted out while the chunk was in flight: never sent to, counted as skipped.</summary>
        SkipOptedOut,

        /// <summary>
        /// Outside the 24-hour window, or a personalized text over the channel's limit: fails with <see cref="Refusal"/>, the
        /// provider is never asked.
        /// </summary>
        Refuse,

        /// <summary>The channel's daily allowance is used up: this recipient and the rest of the batch wait for the next day.</summary>
        Hold,

        /// <summary>WhatsApp's messaging limit is reached: this recipient and the rest of the batch wait until room returns.</summary>
        HoldForMessagingLimit,

        /// <summary>The channel is paused: this recipient and the rest of the batch wait until an admin resumes it.</summary>
        Paused,

        /// <summary>The send was cancelled: this recipient and the rest of the batch are not sent, the batch ends Cancelled.</summary>
        Cancelled,
    }

    public static readonly GateVerdict SkipOptedOut = new(Kind.SkipOptedOut);
    public static readonly GateVerdict Hold = new(Kind.Hold);
    public static readonly GateVerdict Paused = new(Kind.Paused);
    public static readonly GateVerdict Cancelled = new(Kind.Cancelled);
    public static readonly GateVerdict HoldForMessagingLimit = new(Kind.HoldForMessagingLimit);

    public static GateVerdict Refuse(ChannelResult refusal) => new(Kind.Refuse, refusal);

    public static GateVerdict Send(InFlightLimiter.InFlightLease slot, RateSlot rate, bool businessInitiated, TakenLimits taken) =>
        new(Kind.Send, Slot: slot) { Rate = rate, BusinessInitiated = businessInitiated, Taken = taken };
}

/// <summary>
/// What a recipient took of its channel's limits at the gate: a unit of the daily allowance on <see cref="AllowanceDay"/>
/// (a UTC day; null: the channel has no daily limit) and its contact counted by WhatsApp's messaging limit (null: not
/// counted, a message inside the service window or no limit set).
/// </summary>
internal sealed record TakenLimits(DateTime? AllowanceDay, MessagingLimitTake? Contact)
{
    public static readonly TakenLimits None = new(null, null);
}
