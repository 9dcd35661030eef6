using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Core.Funnel;
using BulkSender.Core.Templates;

namespace BulkSender.Web.Features.Webhooks;

/// <summary>
/// The WhatsApp webhook's "whatsapp_business_account" payload: entry[].changes[].value with statuses[] (sent,
/// delivered, read, failed with errors; with pricing and recipient_user_id) and messages[] from customers; and the
/// "message_template_status_update" field (a template's new status).
/// </summary>
public static class WhatsAppWebhook
{
    public const string TemplateStatusField = "message_template_status_update";

    public static async Task ApplyAsync(JsonElement root, DeliveryStatusUpdater updater, WhatsAppStatusDetails details,
        WhatsAppTemplateSync templates,
        CancellationToken cancellationToken)
    {
        foreach (var change in Webhooks.Each(root, "entry").SelectMany(entry => Webhooks.Each(entry, "changes")))
        {
            if (!change.TryGetProperty("value", out var value))
                continue;
            if (Webhooks.Text(change, "field") == TemplateStatusField)
            {
                await ApplyTemplateStatusAsync(value, templates, cancellationToken);
                continue;
            }
            foreach (var status in Webhooks.Each(value, "statuses").Select(ProviderStatus.From).OfType<ProviderStatus>())
            {
                await updater.ApplyAsync(ChannelKind.WhatsApp, status, cancellationToken);
                await details.RecordAsync(status, cancellationToken);
            }

            foreach (var message in Webhooks.Each(value, "messages"))
            {
                if (Webhooks.Text(message, "from") is not { } from || ProviderStatus.UnixSeconds(message, "timestamp") is not { } at)
                    continue;
                var address = ContactAddress.Normalize(ChannelKind.WhatsApp, "+" + from.TrimStart('+'));
                await updater.RecordInboundAsync(ChannelKind.WhatsApp, address, TextOf(message), at, cancellationToken);
            }
        }
    }

    /// <summary>{ event: APPROVED|PAUSED|REJECTED|…, message_template_id, message_template_name, message_template_language, reason }.</summary>
    private static async Task ApplyTemplateStatusAsync(JsonElement value, WhatsAppTemplateSync templates, CancellationToken cancellationToken)
    {
        if (Webhooks.Text(value, "event") is not { Length: > 0 and <= 32 } status)
            return;
        var id = value.TryGetProperty("message_template_id", out var raw) ? raw.ValueKind switch
        {
            JsonValueKind.Number => raw.GetRawText(),
            JsonValueKind.String => raw.GetString(),
            _ => null,
        } : null;
        await templates.ApplyStatusAsync(id, Webhooks.Text(value, "message_template_name"), Webhooks.Text(value, "message_template_language"),
            status, Webhooks.Text(value, "reason"), cancellationToken);
    }

    /// <summary>A text message's body, or a quick-reply button's text.</summary>
    private static string? TextOf(JsonElement message) =>
        message.TryGetProperty("text", out var text) ? Webhooks.Text(text, "body")
        : message.TryGetProperty("button", out var button) ? Webhooks.Text(button, "text")
        : null;
}
