namespace BulkSender.Core.Channels.Errors;

/// <summary>
/// Carries out the actions of the channel's error table that reach beyond one delivery: a pausing error pauses the
/// channel (every batch of it stops at its next recipient, <see cref="ChannelPauses"/>), a suppressing error opts the
/// contact out of the channel with the provider's reason. The result goes on to the send pipeline unchanged.
/// </summary>
public sealed class ErrorActionsChannel(IChannel inner, ChannelKind channel, ErrorActions actions) : IChannel
{
    public async Task<ChannelResult> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        var result = await inner.SendAsync(message, cancellationToken);
        if (result.Succeeded)
            return result;
        var said = result.ErrorMessage ?? "the provider refused to send";
        // "the Page is restricted from sending messages — (#10) …": the rule's reason, then what the provider said.
        var reason = result.Reason is { } known && said.StartsWith($"{known}: ", StringComparison.Ordinal)
            ? $"{known} — {said[(known.Length + 2)..]}"
            : said;
        // Recorded even while shutting down: the pause is what keeps the other batches from failing too.
        await actions.ApplyAsync(channel, result.Action, result.ErrorCode ?? "unknown", reason, message.Address, CancellationToken.None);
        return result;
    }
}
