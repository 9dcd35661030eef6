using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Core.Funnel;

namespace BulkSender.Web.Features.Webhooks;

/// <summary>
/// The WhatsApp webhook's "whatsapp_business_account" payload: entry[].changes[].value with statuses[] (sent,
/// delivered, read, failed with errors) and messages[] from customers.
/// </summary>
public static class WhatsAppWebhook
{
    public static async Task ApplyAsync(JsonElement root, DeliveryStatusUpdater updater, CancellationToken cancellationToken)
    {
        foreach (var change in Webhooks.Each(root, "entry").SelectMany(entry => Webhooks.Each(entry, "changes")))
        {
            if (!change.TryGetProperty("value", out var value))
                continue;
            foreach (var status in Webhooks.Each(value, "statuses").Select(ProviderStatus.From).OfType<ProviderStatus>())
                await updater.ApplyAsync(ChannelKind.WhatsApp, status, cancellationToken);

            foreach (var message in Webhooks.Each(value, "messages"))
            {
                if (Webhooks.Text(message, "from") is not { } from || ProviderStatus.UnixSeconds(message, "timestamp") is not { } at)
                    continue;
                var address = ContactAddress.Normalize(ChannelKind.WhatsApp, "+" + from.TrimStart('+'));
                await updater.RecordInboundAsync(ChannelKind.WhatsApp, address, TextOf(message), at, cancellationToken);
            }
        }
    }

    /// <summary>A text message's body, or a quick-reply button's text.</summary>
    private static string? TextOf(JsonElement message) =>
        message.TryGetProperty("text", out var text) ? Webhooks.Text(text, "body")
        : message.TryGetProperty("button", out var button) ? Webhooks.Text(button, "text")
        : null;
}
