using System.Net;
using System.Net.Http.Headers;
using System.Text;
using BulkSender.Web.Features.Webhooks;

namespace BulkSender.Tests.TestSupport;

/// <summary>Posts webhook bodies to the app as Meta does: raw JSON, signed with X-Hub-Signature-256.</summary>
public static class Webhook
{
    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string json, string? appSecret, string? signature = null) =>
        PostAsync(client, path, new ByteArrayContent(Encoding.UTF8.GetBytes(json)), Encoding.UTF8.GetBytes(json), appSecret, signature);

    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, HttpContent content, byte[] body,
        string? appSecret, string? signature = null)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (signature is not null || appSecret is not null)
            request.Headers.TryAddWithoutValidation(HubSignature.Header, signature ?? HubSignature.Sign(body, appSecret!));
        return await client.SendAsync(request);
    }

    public static long Millis(DateTime at) => new DateTimeOffset(at, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static long Seconds(DateTime at) => new DateTimeOffset(at, TimeSpan.Zero).ToUnixTimeSeconds();

    /// <summary>A body sent without Content-Length (chunked), so only counting while reading can catch its size.</summary>
    public sealed class Chunked(byte[] body) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(body).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
