using System.Text.Json;
using BulkSender.Core.Channels.Errors;
using BulkSender.Core.Channels.Settings;

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
        if (message.Template is { } template)
            (body["type"], body["template"]) = ("template", TemplateBody(template));
        else
            (body["type"], body["text"]) = ("text", new { preview_url = false, body = message.Content });
        var url = GraphApi.Url(options.BaseUrl!, options.ApiVersion, options.PhoneNumberId!, "messages");
        return await GraphApi.PostAsync(http, clock, url, options.AccessToken!, body, ReadMessageId, WhatsAppErrors.Table, cancellationToken);
    }

    /// <summary>
    /// { name, language: { code }, components: [{ type: "header"|"body", parameters: [{ type: "text", text,
    /// parameter_name? }] }] }.
    /// </summary>
    private static object TemplateBody(OutgoingTemplate template) => new
    {
        name = template.Name,
        language = new { code = template.Language },
        components = template.Parameters.GroupBy(p => p.Component).Select(component => new
        {
            type = component.Key,
            parameters = component.Select(p => p.Name is null
                ? new Dictionary<string, string> { ["type"] = "text", ["text"] = p.Text }
                : new Dictionary<string, string> { ["type"] = "text", ["parameter_name"] = p.Name, ["text"] = p.Text }).ToList(),
        }).ToList(),
    };

    private static string? ReadMessageId(JsonElement reply) =>
        reply.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0
        && messages[0].TryGetProperty("id", out var id) ? id.GetString() : null;

    /// <summary>The Cloud API's error code as a rule of <see cref="WhatsAppErrors.Table"/>; null when it does not know it.</summary>
    public static ErrorRule? Classify(GraphError error) => WhatsAppErrors.Table.Find(error);
}
