using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Compliance;

namespace BulkSender.Core.Channels.Errors;

/// <summary>
/// The actions of a channel's error table that reach beyond one delivery, wherever the error arrives (a send's answer,
/// <see cref="ErrorActionsChannel"/>; a failed status webhook, <see cref="Funnel.DeliveryStatusUpdater"/>): a pausing
/// error pauses the channel, a suppressing error opts the contact out of the channel with the provider's reason.
/// </summary>
public sealed class ErrorActions(ChannelPauses pauses, OptOuts optOuts)
{
    public async Task ApplyAsync(ChannelKind channel, ErrorAction action, string code, string reason, string address,
        CancellationToken cancellationToken)
    {
        switch (action)
        {
            case ErrorAction.PauseChannel:
                await pauses.PauseAsync(channel, code, reason, cancellationToken);
                break;
            case ErrorAction.SuppressContact:
                await optOuts.OptOutAsync(channel, address, $"provider error {code}: {reason}", cancellationToken);
                break;
        }
    }
}
