using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using BulkSender.Core.Channels.Errors;
using BulkSender.Core.Retries;
using Polly.Timeout;

namespace BulkSender.Core.Channels;

/// <summary>
/// One POST to a Graph endpoint with a bearer token, turned into a <see cref="ChannelResult"/>. Never retried here:
/// the provider may have accepted a request whose answer was lost, and the send pipeline's retry rounds decide.
/// The channel's <see cref="ErrorTable"/> says what an error code is and what to do about it; the time the answer
/// arrived is the message's acceptance time (a success) or what a not-before time counts from (a failure).
/// </summary>
public static class GraphApi
{
    public const string RetryAfterMarker = "retry after ";

    public static Uri Url(Uri baseUrl, params string[] segments) =>
        new($"{baseUrl.ToString().TrimEnd('/')}/{string.Join('/', segments.Select(Uri.EscapeDataString))}");

    public static async Task<ChannelResult> PostAsync(
        HttpClient http, TimeProvider clock, Uri url, string accessToken, object body, Func<JsonElement, string?> readMessageId,
        ErrorTable errors, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        // The token goes in a header: request URLs end up in logs, headers are redacted there.
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var answeredAt = ChannelResult.Milliseconds(clock.GetUtcNow());
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var json = TryParse(text);
            if (response.IsSuccessStatusCode)
                return json is { } ok && readMessageId(ok) is { Length: > 0 } id
                    ? ChannelResult.Sent(id) with { AcceptedAt = answeredAt }
                    : ChannelResult.Failed(ErrorType.Other, "no_message_id",
                        Truncate($"HTTP {(int)response.StatusCode} without a message id: {text}"));
            return Failure(response, json, errors, answeredAt);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is TimeoutRejectedException or OperationCanceledException)
        {
            return ChannelResult.Failed(ErrorType.Network, "timeout", "The provider did not answer in time.");
        }
        catch (HttpRequestException ex)
        {
            return ChannelResult.Failed(ErrorType.Network, "connection", Truncate($"Could not reach the provider: {ex.Message}"));
        }
    }

    /// <summary>The wait a rate-limited reply asked for, when <paramref name="errorMessage"/> carries one.</summary>
    public static TimeSpan? RetryAfter(string? errorMessage)
    {
        var at = errorMessage?.LastIndexOf(RetryAfterMarker, StringComparison.Ordinal) ?? -1;
        if (at < 0)
            return null;
        var digits = new string(errorMessage![(at + RetryAfterMarker.Length)..].TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, out var seconds) ? TimeSpan.FromSeconds(seconds) : null;
    }

    private static ChannelResult Failure(HttpResponseMessage response, JsonElement? json, ErrorTable errors, DateTime answeredAt)
    {
        var status = (int)response.StatusCode;
        var error = json is { } body && body.TryGetProperty("error", out var e) ? GraphError.From(e) : null;
        var known = error is null ? null : errors.Find(error);
        var type = known?.Type ?? (status >= 500 ? ErrorType.Network : response.StatusCode == HttpStatusCode.TooManyRequests
            ? ErrorType.RateLimit : ErrorType.Other);
        var code = error?.CodeText ?? $"http_{status}";
        var message = error?.Describe() ?? $"HTTP {status} {response.ReasonPhrase}";
        if (known?.Reason is { } reason)
            message = $"{reason}: {message}";
        var retryAfter = type == ErrorType.RateLimit ? RetryAfterSeconds(response) : null;
        if (retryAfter is { } seconds)
            message += $" ({RetryAfterMarker}{seconds} s)";
        // The limiter pauses the channel for this long (ChannelRateLimiter.BackOff).
        return ChannelResult.Failed(type, code, Truncate(message)) with
        {
            RetryAfter = retryAfter is { } s ? TimeSpan.FromSeconds(s) : null,
            Action = known?.Action ?? ErrorTable.DefaultAction(type),
            NotBefore = known?.RetryAfter is { } wait ? answeredAt + wait : null,
            Reason = known?.Reason,
        };
    }

    /// <summary>Retry-After (seconds or a date), else Meta's X-Business-Use-Case-Usage estimated_time_to_regain_access (minutes).</summary>
    private static int? RetryAfterSeconds(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is { } retry)
        {
            if (retry.Delta is { } delta)
                return (int)Math.Ceiling(delta.TotalSeconds);
            if (retry.Date is { } date)
                return Math.Max(0, (int)Math.Ceiling((date - DateTimeOffset.UtcNow).TotalSeconds));
        }
        if (response.Headers.TryGetValues("X-Business-Use-Case-Usage", out var usages)
            && TryParse(usages.First()) is { ValueKind: JsonValueKind.Object } usage)
        {
            var minutes = usage.EnumerateObject()
                .SelectMany(p => p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray() : Enumerable.Empty<JsonElement>())
                .Select(u => u.TryGetProperty("estimated_time_to_regain_access", out var m) && m.TryGetInt32(out var n) ? n : 0)
                .DefaultIfEmpty(0).Max();
            if (minutes > 0)
                return minutes * 60;
        }
        return null;
    }

    private static JsonElement? TryParse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Deliveries keep at most 1,000 characters of error message.</summary>
    public static string Truncate(string text) => text.Length > 1000 ? text[..1000] : text;
}
