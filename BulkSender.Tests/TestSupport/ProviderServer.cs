using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BulkSender.Tests.TestSupport;

/// <summary>A request the <see cref="ProviderServer"/> received.</summary>
public sealed record ReceivedRequest(string Method, string Path, string Query, string? Authorization, string Body)
{
    /// <summary>When the request reached the server's pipeline, as <see cref="Stopwatch.GetTimestamp"/>: taken before anything else.</summary>
    public long ArrivedAt { get; init; }
}

/// <summary>
/// A real HTTP server on 127.0.0.1 standing in for Graph / the Cloud API: records every request and answers with
/// whatever the test's <see cref="Respond"/> says.
/// </summary>
public sealed class ProviderServer : IAsyncDisposable
{
    private readonly WebApplication app;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Answers a request; the default is 404.</summary>
    public Func<ReceivedRequest, HttpContext, Task> Respond { get; set; } = (_, ctx) =>
    {
        ctx.Response.StatusCode = 404;
        return Task.CompletedTask;
    };

    public Uri BaseAddress { get; private set; } = null!;

    private ProviderServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        app = builder.Build();
        app.Run(async ctx =>
        {
            var arrived = Stopwatch.GetTimestamp();
            using var reader = new StreamReader(ctx.Request.Body);
            var request = new ReceivedRequest(ctx.Request.Method, ctx.Request.Path, ctx.Request.QueryString.Value ?? "",
                ctx.Request.Headers.Authorization.FirstOrDefault(), await reader.ReadToEndAsync())
            { ArrivedAt = arrived };
            Requests.Enqueue(request);
            await Respond(request, ctx);
        });
    }

    public static async Task<ProviderServer> StartAsync()
    {
        var server = new ProviderServer();
        await server.app.StartAsync();
        var address = server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address);
        return server;
    }

    /// <summary>Answers every request with this status and JSON body.</summary>
    public void AnswerJson(int status, string json, Action<HttpResponse>? headers = null) => Respond = async (_, ctx) =>
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        headers?.Invoke(ctx.Response);
        await ctx.Response.WriteAsync(json);
    };

    private int sent;

    /// <summary>Accepts every Send API / Cloud API message, each with a message id of its own (m_1, wamid.2, …).</summary>
    public void AcceptAll() => Respond = async (request, ctx) =>
    {
        var n = Interlocked.Increment(ref sent);
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(request.Body.Contains("\"messaging_product\"", StringComparison.Ordinal)
            ? $$"""{"messaging_product":"whatsapp","contacts":[{"input":"1","wa_id":"1"}],"messages":[{"id":"wamid.{{n}}"}]}"""
            : $$"""{"recipient_id":"1","message_id":"m_{{n}}"}""");
    };

    /// <summary>Graph's answer to an expired page token (code 190, subcode 463), as Meta sends it.</summary>
    public static string ExpiredToken => GraphError(190,
        "Error validating access token: Session has expired on Friday, 04-Dec-26 10:00:00 PDT. "
        + "The current time is Friday, 04-Dec-26 11:00:00 PDT.", 463);

    /// <summary>A Cloud API error as Meta sends it: code, title, message and error_data.details.</summary>
    public static string CloudApiError(int code, string title, string details) => System.Text.Json.JsonSerializer.Serialize(new
    {
        error = new
        {
            message = $"({code}) {title}", type = "OAuthException", code, error_data = new { messaging_product = "whatsapp", details },
            fbtrace_id = "Az8or2yhqkZfEZ-_4Qn_Bam"
        },
    });

    /// <summary>The error payload Graph and the Cloud API answer with.</summary>
    public static string GraphError(int code, string message, int? subcode = null, string type = "OAuthException", string? details = null) =>
        System.Text.Json.JsonSerializer.Serialize(new
        {
            error = new Dictionary<string, object?>
            {
                ["message"] = message,
                ["type"] = type,
                ["code"] = code,
                ["error_subcode"] = subcode,
                ["error_data"] = details is null ? null : new { messaging_product = "whatsapp", details },
                ["fbtrace_id"] = "AbCdEfGh123",
            }.Where(p => p.Value is not null).ToDictionary(),
        });

    /// <summary>
    /// Answers as the Cloud API: <c>GET …/message_templates</c> with <paramref name="templatePages"/> one page at a time
    /// (<c>paging.next</c> pointing at the next page while there is one), and every <c>POST …/messages</c> (text or
    /// template) with a new wamid.
    /// </summary>
    public void ServeCloudApi(params string[][] templatePages)
    {
        var sent = 0;
        Respond = async (request, ctx) =>
        {
            ctx.Response.ContentType = "application/json";
            if (request.Method == "GET" && request.Path.EndsWith("/message_templates", StringComparison.Ordinal))
            {
                var page = int.TryParse(ctx.Request.Query["after"], out var after) ? after : 0;
                var data = page < templatePages.Length ? templatePages[page] : [];
                var next = page + 1 < templatePages.Length
                    ? $",\"next\":\"{BaseAddress.ToString().TrimEnd('/')}{request.Path}?fields=name&limit=100&after={page + 1}\""
                    : "";
                var cursors = "{\"before\":\"b\",\"after\":\"a\"}";
                await ctx.Response.WriteAsync($"{{\"data\":[{string.Join(",", data)}],\"paging\":{{\"cursors\":{cursors}{next}}}}}");
                return;
            }
            if (request.Method == "POST" && request.Path.EndsWith("/messages", StringComparison.Ordinal))
            {
                var id = Interlocked.Increment(ref sent);
                await ctx.Response.WriteAsync(
                    $"{{\"messaging_product\":\"whatsapp\",\"contacts\":[],\"messages\":[{{\"id\":\"wamid.test{id}\"}}]}}");
                return;
            }
            ctx.Response.StatusCode = 404;
        };
    }

    /// <summary>A template as <c>message_templates</c> lists it: a body (and optionally a TEXT header) with their parameters.</summary>
    public static string Template(string name, string body, string status = "APPROVED", string language = "en_US", string category = "MARKETING",
        string? header = null, string? id = null) =>
        System.Text.Json.JsonSerializer.Serialize(new
        {
            id = id ?? $"{Math.Abs(name.GetHashCode(StringComparison.Ordinal))}",
            name,
            language,
            status,
            category,
            components = (object[])(header is null
                ? [new { type = "BODY", text = body }]
                : [new { type = "HEADER", format = "TEXT", text = header }, new { type = "BODY", text = body }]),
        });

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
