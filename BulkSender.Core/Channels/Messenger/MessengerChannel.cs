using BulkSender.Core.Channels.Errors;
using BulkSender.Core.Channels.Settings;

namespace BulkSender.Core.Channels.Messenger;

/// <summary>Messenger through the Graph Send API: POST {base}/{version}/{page id or me}/messages with the page access token.</summary>
public sealed class MessengerChannel(HttpClient http, ChannelSettingsStore settings, TimeProvider clock)
    : RealChannel<MessengerSettings>(ChannelKind.Messenger)
{
    protected override Task<MessengerSettings> SettingsAsync(CancellationToken cancellationToken) => settings.MessengerAsync(cancellationToken);

    protected override async Task<ChannelResult> SendAsync(MessengerSettings options, OutgoingMessage message, CancellationToken cancellationToken)
    {
        var (messagingType, tag) = MessengerMessaging.TypeFor(message.MessageTag, message.IsHumanReply);
        var body = new Dictionary<string, object>
        {
            ["recipient"] = new { id = message.Address },
            ["messaging_type"] = messagingType,
            ["message"] = new { text = message.Content },
        };
        if (tag is not null)
            body["tag"] = tag;
        var url = GraphApi.Url(options.BaseUrl!, options.ApiVersion, options.PageId, "messages");
        return await GraphApi.PostAsync(http, clock, url, options.AccessToken!, body,
            reply => reply.TryGetProperty("message_id", out var id) ? id.GetString() : null, MessengerErrors.Table, cancellationToken);
    }

    /// <summary>The Messenger Platform's error code as a rule of <see cref="MessengerErrors.Table"/>; null when it does not know it.</summary>
    public static ErrorRule? Classify(GraphError error) => MessengerErrors.Table.Find(error);
}
