using System.Text.Json;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Funnel;
using BulkSender.Core.Templates;

namespace BulkSender.Web.Features.Webhooks;

/// <summary>
/// The providers' status webhooks. Anonymous: a request proves itself with the X-Hub-Signature-256 of its body.
/// Order of checks: size (413), signature (401), JSON (400); only then does anything change.
/// </summary>
public static class WebhookEndpoints
{
    public const int MaxBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/webhooks").AllowAnonymous().DisableAntiforgery();

        group.MapGet("/messenger", async (HttpRequest request, ChannelSettingsStore settings, CancellationToken cancellationToken) =>
            Verify(request, (await settings.MessengerAsync(cancellationToken)).VerifyToken));
        group.MapPost("/messenger", async (HttpRequest request, ChannelSettingsStore settings, DeliveryStatusUpdater updater,
            ILoggerFactory logs, CancellationToken cancellationToken) =>
            await ReceiveAsync(request, (await settings.MessengerAsync(cancellationToken)).AppSecret,
                root => MessengerWebhook.ApplyAsync(root, updater, cancellationToken),
                logs.CreateLogger(typeof(MessengerWebhook)), cancellationToken));

        group.MapGet("/whatsapp", async (HttpRequest request, ChannelSettingsStore settings, CancellationToken cancellationToken) =>
            Verify(request, (await settings.WhatsAppAsync(cancellationToken)).VerifyToken));
        group.MapPost("/whatsapp", async (HttpRequest request, ChannelSettingsStore settings, DeliveryStatusUpdater updater,
            WhatsAppStatusDetails details,
            WhatsAppTemplateSync templates, ILoggerFactory logs, CancellationToken cancellationToken) =>
            await ReceiveAsync(request, (await settings.WhatsAppAsync(cancellationToken)).AppSecret,
                root => WhatsAppWebhook.ApplyAsync(root, updater, details, templates, cancellationToken),
                logs.CreateLogger(typeof(WhatsAppWebhook)), cancellationToken));

        return app;
    }

    /// <summary>Meta's subscription check: echo hub.challenge when hub.mode is subscribe and hub.verify_token is ours.</summary>
    private static IResult Verify(HttpRequest request, string? verifyToken) =>
        request.Query["hub.mode"] == "subscribe" && HubSignature.TokenMatches(request.Query["hub.verify_token"], verifyToken)
            ? TypedResults.Text(request.Query["hub.challenge"].ToString())
            : TypedResults.StatusCode(StatusCodes.Status403Forbidden);

    private static async Task<IResult> ReceiveAsync(HttpRequest request, string? appSecret, Func<JsonElement, Task> apply, ILogger log,
        CancellationToken cancellationToken)
    {
        if (await ReadBodyAsync(request, cancellationToken) is not { } body)
            return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge);
        if (!HubSignature.IsValid(body, request.Headers[HubSignature.Header], appSecret))
        {
            log.LogWarning("Webhook {Path} refused: {Reason}", request.Path,
                string.IsNullOrEmpty(appSecret) ? "no app secret is configured" : "missing or wrong signature");
            return TypedResults.Unauthorized();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return TypedResults.Problem("The body is not JSON.", statusCode: StatusCodes.Status400BadRequest, title: "The body cannot be read");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return TypedResults.Problem("The body is not a JSON object.", statusCode: StatusCodes.Status400BadRequest,
                    title: "The body cannot be read");
            await apply(document.RootElement);
        }
        return TypedResults.Ok();
    }

    /// <summary>
    /// The raw body, or null when it is larger than <see cref="MaxBodyBytes"/> (counted while reading, whatever Content-Length says).
    /// </summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
            return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}

/// <summary>Reading webhook JSON that may lack any part.</summary>
internal static class Webhooks
{
    /// <summary>
    /// The objects in the array <paramref name="name"/> of <paramref name="owner"/>; none when any of it is missing or of another kind.
    /// </summary>
    public static IEnumerable<JsonElement> Each(JsonElement owner, string name) =>
        Items(owner, name).Where(e => e.ValueKind == JsonValueKind.Object);

    public static IEnumerable<string> Strings(JsonElement owner, string name) =>
        Items(owner, name).Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!);

    private static IEnumerable<JsonElement> Items(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray()
            : Array.Empty<JsonElement>();

    public static string? Text(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
