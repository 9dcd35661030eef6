using System.Text.Json;
using BulkSender.Core.Attachments;
using BulkSender.Core.Channels.Errors;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels.WhatsApp;

/// <summary>
/// WhatsApp through the Cloud API: POST {base}/{version}/{phone number id}/messages, a text message or a template
/// message whose components carry this recipient's parameter values (<c>parameter_name</c> for named parameters).
/// </summary>
public sealed class WhatsAppChannel(HttpClient http, ChannelSettingsStore settings, TimeProvider clock)
    : RealChannel<WhatsAppSettings>(ChannelKind.WhatsApp)
{
    public const string ReEngagementReason = WhatsAppErrors.ReEngagementReason;

    protected override Task<WhatsAppSettings> SettingsAsync(CancellationToken cancellationToken) => settings.WhatsAppAsync(cancellationToken);

    protected override async Task<ChannelResult> SendAsync(WhatsAppSettings options, OutgoingMessage message, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, object>
        {
            ["messaging_product"] = "whatsapp",
            ["recipient_type"] = "individual",
            ["to"] = message.Address.TrimStart('+'),
        };
        if (message.Attachment?.MissingUrl is { } missing)
            return ChannelResult.Failed(ErrorType.Other, "no_public_url", missing);
        if (message.Template is { } template)
            (body["type"], body["template"]) = ("template", TemplateBody(template, message.Attachment));
        else if (message.Attachment is { } attachment)
            (body["type"], body[MediaType(attachment)]) = (MediaType(attachment), Media(attachment, message.Content));
        else
            (body["type"], body["text"]) = ("text", new { preview_url = false, body = message.Content });
        var url = GraphApi.Url(options.BaseUrl!, options.ApiVersion, options.PhoneNumberId!, "messages");
        await message.BeforeCallAsync(cancellationToken);
        return await GraphApi.PostAsync(http, clock, url, options.AccessToken!, body, ReadMessageId, WhatsAppErrors.Table, cancellationToken);
    }

    /// <summary>
    /// { name, language: { code }, components: [{ type: "header"|"body", parameters: [{ type: "text", text,
    /// parameter_name? }] }] }.
    /// </summary>
    /// <remarks>With an attachment, the template's IMAGE or DOCUMENT header gets it as its one parameter.</remarks>
    private static object TemplateBody(OutgoingTemplate template, OutgoingAttachment? attachment)
    {
        var components = template.Parameters.GroupBy(p => p.Component).Select(component => (object)new
        {
            type = component.Key,
            parameters = component.Select(p => p.Name is null
                ? new Dictionary<string, string> { ["type"] = "text", ["text"] = p.Text }
                : new Dictionary<string, string> { ["type"] = "text", ["parameter_name"] = p.Name, ["text"] = p.Text }).ToList(),
        }).ToList();
        if (attachment is not null)
            components.Insert(0, new
            {
                type = "header",
                parameters = new[]
                {
                    new Dictionary<string, object> { ["type"] = MediaType(attachment), [MediaType(attachment)] = Media(attachment, null) },
                },
            });
        return new { name = template.Name, language = new { code = template.Language }, components };
    }

    private static string MediaType(OutgoingAttachment attachment) => attachment.Kind == AttachmentKind.Image ? "image" : "document";

    /// <summary>{ link, caption?, filename? (documents) }: the Cloud API fetches the file from the link.</summary>
    private static Dictionary<string, string> Media(OutgoingAttachment attachment, string? caption)
    {
        var media = new Dictionary<string, string> { ["link"] = attachment.Url!.AbsoluteUri };
        if (!string.IsNullOrEmpty(caption))
            media["caption"] = caption;
        if (attachment.Kind == AttachmentKind.Document)
            media["filename"] = attachment.FileName;
        return media;
    }

    private static string? ReadMessageId(JsonElement reply) =>
        reply.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0
        && messages[0].TryGetProperty("id", out var id) ? id.GetString() : null;

    /// <summary>The Cloud API's error code as a rule of <see cref="WhatsAppErrors.Table"/>; null when it does not know it.</summary>
    public static ErrorRule? Classify(GraphError error) => WhatsAppErrors.Table.Find(error);
}
