using BulkSender.Core.Channels.Errors;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Core.Channels;

/// <summary>
/// The adapter for each channel: the real one (Messenger, e-mail, WhatsApp) once its settings are complete, the
/// simulated one until then. Asked once per batch, so a settings change applies from the next batch on. Each is wrapped
/// so that a rate-limit reply backs the limiter off and a pausing or suppressing error is acted on.
/// </summary>
public sealed class ChannelAdapters(
    SimulatedChannel simulated, IServiceProvider services, ChannelRateLimiter limiter, ErrorActions actions, TimeProvider clock)
{
    public async Task<IChannel> ForAsync(ChannelKind channel, CancellationToken cancellationToken)
    {
        var real = services.GetKeyedService<IRealChannel>(channel);
        IChannel adapter = real is not null && await real.IsConfiguredAsync(cancellationToken) ? real : simulated;
        return new ErrorActionsChannel(new BackingOffChannel(adapter, channel, limiter, clock), channel, actions);
    }
}
