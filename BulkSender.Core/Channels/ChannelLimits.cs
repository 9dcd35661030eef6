namespace BulkSender.Core.Channels;

/// <summary>The longest content each channel accepts.</summary>
public static class ChannelLimits
{
    public static int MaxContentLength(ChannelKind channel) => channel switch
    {
        ChannelKind.Messenger => 2000,
        ChannelKind.WhatsApp => 4096,
        _ => 20_000,
    };
}
