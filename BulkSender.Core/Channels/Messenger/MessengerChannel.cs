using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels.Messenger;

/// <summary>Messenger through the Graph Send API: POST {base}/{version}/{page id or me}/messages with the page access token.</summary>
public sealed class MessengerChannel(HttpClient http, ChannelSettingsStore settings) : RealChannel<MessengerSettings>(ChannelKind.Messenger)
{
    protected override Task<MessengerSettings> SettingsAsync(CancellationToken cancellationToken) => settings.MessengerAsync(cancellationToken);

    protected override async Task<ChannelResult> SendAsync(MessengerSettings options, OutgoingMessage message, CancellationToken cancellationToken)
    {
        var (messagingType, tag) = MessengerMessaging.TypeFor(message.MessageTag);
        var body = new Dictionary<string, object>
        {
            ["recipient"] = new { id = message.Address },
            ["messaging_type"] = messagingType,
            ["message"] = new { text = message.Content },
        };
        if (tag is not null)
            body["tag"] = tag;
        return await GraphApi.PostAsync(http, GraphApi.Url(options.BaseUrl!, options.ApiVersion, options.PageId, "messages"),
            options.AccessToken!, body,
            reply => reply.TryGetProperty("message_id", out var id) ? id.GetString() : null, Classify, cancellationToken);
    }

    private static readonly HashSet<int> RateSubcodes = [2018022, 2018352, 2018354];

    /// <summary>The Messenger Platform's error codes as error types; null leaves it to the HTTP status.</summary>
    public static ErrorClass? Classify(GraphError error) => (error.Code, error.Subcode) switch
    {
        (190, _) => new(ErrorType.AccessToken),
        (4 or 17 or 32 or 613 or 80006, _) => new(ErrorType.RateLimit),
        (_, { } sub) when RateSubcodes.Contains(sub) => new(ErrorType.RateLimit),
        (551, _) or (100, 2018001) => new(ErrorType.InvalidRecipient),
        (10, 2018278) => new(ErrorType.Permission, MessengerMessaging.OutsideWindowReason),
        (10, _) or ( >= 200 and <= 299, _) => new(ErrorType.Permission),
        (1 or 2 or 1200, _) => new(ErrorType.Network),
        _ => null,
    };
}
