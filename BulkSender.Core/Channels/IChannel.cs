namespace BulkSender.Core.Channels;

/// <summary>One provider adapter: sends one message to one recipient and says how it went. Never throws for a provider error.</summary>
public interface IChannel
{
    Task<ChannelResult> SendAsync(OutgoingMessage message, CancellationToken cancellationToken);
}
