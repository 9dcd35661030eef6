using BulkSender.Core.Attachments;
using BulkSender.Core.Channels.Errors;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels.Messenger;

/// <summary>Messenger through the Graph Send API: POST {base}/{version}/{page id or me}/messages with the page access token.</summary>
public sealed class MessengerChannel(HttpClient http, ChannelSettingsStore settings, TimeProvider clock)
    : RealChannel<MessengerSettings>(ChannelKind.Messenger)
{
    protected override Task<MessengerSettings> SettingsAsync(CancellationToken cancellationToken) => settings.MessengerAsync(cancellationToken);

    protected override async Task<ChannelResult> SendAsync(MessengerSettings options, OutgoingMessage message, CancellationToken cancellationToken)
    {
        var (messagingType, tag) = MessengerMessaging.TypeFor(message.MessageTag, message.IsHumanReply);
        var url = GraphApi.Url(options.BaseUrl!, options.ApiVersion, options.PageId, "messages");
        // Each call leaves in a rate-limiter slot of its own, on time.
        async Task<ChannelResult> PostAsync(object content)
        {
            var body = new Dictionary<string, object>
            {
                ["recipient"] = new { id = message.Address },
                ["messaging_type"] = messagingType,
                ["message"] = content,
            };
            if (tag is not null)
                body["tag"] = tag;
            await message.BeforeCallAsync(cancellationToken);
            return await GraphApi.PostAsync(http, clock, url, options.AccessToken!, body,
                reply => reply.TryGetProperty("message_id", out var id) ? id.GetString() : null, MessengerErrors.Table, cancellationToken);
        }

        if (message.Attachment is not { } attachment)
            return await PostAsync(new { text = message.Content });
        // Messenger cannot caption an attachment: the file goes first, the text as a second message (a provider call of
        // its own, which waits for its own rate-limiter slot).
        if (attachment.MissingUrl is { } missing)
            return ChannelResult.Failed(ErrorType.Other, "no_public_url", missing);
        var file = await PostAsync(new
        {
            attachment = new
            {
                type = attachment.Kind == AttachmentKind.Image ? "image" : "file",
                payload = new { url = attachment.Url!.AbsoluteUri, is_reusable = true },
            },
        });
        if (!file.Succeeded || string.IsNullOrEmpty(message.Content))
            return file;
        var text = await PostAsync(new { text = message.Content });
        return text.Succeeded ? text
            : text with
            {
                ErrorMessage = $"The {attachment.Kind.ToString().ToLowerInvariant()} was sent ({file.ProviderMessageId}), the text was not: "
                + text.ErrorMessage
            };
    }

    /// <summary>The Messenger Platform's error code as a rule of <see cref="MessengerErrors.Table"/>; null when it does not know it.</summary>
    public static ErrorRule? Classify(GraphError error) => MessengerErrors.Table.Find(error);
}
