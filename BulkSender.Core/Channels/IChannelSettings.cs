namespace BulkSender.Core.Channels;

/// <summary>A channel's effective settings: whether they suffice to send, and what is needed when they do not.</summary>
public interface IChannelSettings
{
    bool IsConfigured { get; }

    string Requirement { get; }
}
