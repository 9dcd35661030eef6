namespace BulkSender.Core.Channels;

/// <summary>
/// An adapter that talks to a real provider. Registered as a keyed service (key: its <see cref="ChannelKind"/>);
/// use it when <see cref="IsConfiguredAsync"/> says its effective settings (database over configuration) suffice.
/// </summary>
public interface IRealChannel : IChannel
{
    ChannelKind Kind { get; }

    /// <summary>Reads the current settings, so a change in the settings page counts from the next call.</summary>
    Task<bool> IsConfiguredAsync(CancellationToken cancellationToken);
}
