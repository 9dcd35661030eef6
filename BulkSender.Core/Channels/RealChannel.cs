using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels;

/// <summary>Reads the settings at every send (a change applies at once) and refuses to send without them.</summary>
public abstract class RealChannel<TSettings>(ChannelKind kind) : IRealChannel where TSettings : IChannelSettings
{
    public ChannelKind Kind => kind;

    protected abstract Task<TSettings> SettingsAsync(CancellationToken cancellationToken);

    protected abstract Task<ChannelResult> SendAsync(TSettings settings, OutgoingMessage message, CancellationToken cancellationToken);

    public async Task<bool> IsConfiguredAsync(CancellationToken cancellationToken) => (await SettingsAsync(cancellationToken)).IsConfigured;

    public async Task<ChannelResult> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        var settings = await SettingsAsync(cancellationToken);
        return settings.IsConfigured
            ? await SendAsync(settings, message, cancellationToken)
            : ChannelResult.Failed(ErrorType.AccessToken, "not_configured", $"{kind} is not configured: {settings.Requirement}");
    }
}
