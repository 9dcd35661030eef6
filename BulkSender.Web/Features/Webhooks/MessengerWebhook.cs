using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Funnel;

namespace BulkSender.Web.Features.Webhooks;

/// <summary>
/// The Messenger webhook's "page" payload: entry[].messaging[] with message_deliveries (delivery.watermark, mids),
/// message_reads (read.watermark), messages and postbacks from the person (not our own echoes).
/// </summary>
public static class MessengerWebhook
{
    public static async Task ApplyAsync(JsonElement root, DeliveryStatusUpdater updater, CancellationToken cancellationToken)
    {
        foreach (var messaging in Webhooks.Each(root, "entry").SelectMany(entry => Webhooks.Each(entry, "messaging")))
        {
            if (!messaging.TryGetProperty("sender", out var sender) || Webhooks.Text(sender, "id") is not { } psid)
                continue;
            var timestamp = ProviderStatus.UnixMilliseconds(messaging, "timestamp");

            if (messaging.TryGetProperty("delivery", out var delivery) && ProviderStatus.UnixMilliseconds(delivery, "watermark") is { } delivered)
            {
                await updater.MarkDeliveredUpToAsync(ChannelKind.Messenger, psid, delivered, Webhooks.Strings(delivery, "mids").ToList(),
                    timestamp ?? delivered, cancellationToken);
            }
            if (messaging.TryGetProperty("read", out var read) && ProviderStatus.UnixMilliseconds(read, "watermark") is { } readUpTo)
                await updater.MarkReadUpToAsync(ChannelKind.Messenger, psid, readUpTo, timestamp ?? readUpTo, cancellationToken);
            if (timestamp is { } at && messaging.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object
                && !(message.TryGetProperty("is_echo", out var echo) && echo.ValueKind == JsonValueKind.True))
                await updater.RecordInboundAsync(ChannelKind.Messenger, psid, Webhooks.Text(message, "text"), at, cancellationToken);
            if (timestamp is { } tapped && messaging.TryGetProperty("postback", out _))
                await updater.RecordInboundAsync(ChannelKind.Messenger, psid, null, tapped, cancellationToken);
        }
    }
}
