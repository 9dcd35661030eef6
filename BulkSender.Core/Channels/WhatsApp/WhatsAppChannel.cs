using System.Text.Json;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels.WhatsApp;

/// <summary>WhatsApp through the Cloud API: POST {base}/{version}/{phone number id}/messages, a text message.</summary>
public sealed class WhatsAppChannel(HttpClient http, ChannelSettingsStore settings) : RealChannel<WhatsAppSettings>(ChannelKind.WhatsApp)
{
    public const string ReEngagementReason =
        "re-engagement required: more than 24 hours since the customer last wrote, only a template message can be sent";

    protected override Task<WhatsAppSettings> SettingsAsync(CancellationToken cancellationToken) => settings.WhatsAppAsync(cancellationToken);

    protected override async Task<ChannelResult> SendAsync(WhatsAppSettings options, OutgoingMessage message, CancellationToken cancellationToken)
    {
        var body = new
        {
            messaging_product = "whatsapp",
            recipient_type = "individual",
            to = message.Address.TrimStart('+'),
            type = "text",
            text = new { preview_url = false, body = message.Content },
        };
        return await GraphApi.PostAsync(http, GraphApi.Url(options.BaseUrl!, options.ApiVersion, options.PhoneNumberId!, "messages"),
            options.AccessToken!, body, ReadMessageId, Classify, cancellationToken);
    }

    private static string? ReadMessageId(JsonElement reply) =>
        reply.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0
        && messages[0].TryGetProperty("id", out var id) ? id.GetString() : null;

    /// <summary>The Cloud API's error codes (replies and failed statuses) as error types; null leaves it to the HTTP status.</summary>
    public static ErrorClass? Classify(GraphError error) => error.Code switch
    {
        190 => new(ErrorType.AccessToken),
        4 or 80007 or 130429 or 131056 or 131048 => new(ErrorType.RateLimit),
        131026 => new(ErrorType.InvalidRecipient),
        131047 => new(ErrorType.Permission, ReEngagementReason),
        10 or (>= 200 and <= 299) => new(ErrorType.Permission),
        1 or 2 or 131000 or 131016 => new(ErrorType.Network),
        _ => null,
    };
}
