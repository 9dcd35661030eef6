using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace BulkSender.Tests.TestSupport;

/// <summary>One Send API call as the <see cref="ClusterProvider"/> saw it; times are <see cref="Stopwatch.GetTimestamp"/> values.</summary>
public sealed class ProviderArrival(string instance, string recipient, long arrivedAt)
{
    private long answeredAt;

    /// <summary>The app instance that sent it: the first segment of the path (each instance's base URL ends in its name).</summary>
    public string Instance { get; } = instance;

    /// <summary>The recipient's PSID.</summary>
    public string Recipient { get; } = recipient;

    public long ArrivedAt { get; } = arrivedAt;

    /// <summary>When the answer was written; null while the call is in flight.</summary>
    public long? AnsweredAt => Interlocked.Read(ref answeredAt) is var at and not 0 ? at : null;

    internal void Answer() => Interlocked.Exchange(ref answeredAt, Stopwatch.GetTimestamp());
}

/// <summary>
/// The Graph Send API of one Messenger page, on loopback, for several app instances at once: each
/// <c>POST …/messages</c> is recorded (arrival time taken first thing in the request pipeline, instance, recipient) and
/// accepted with a message id after a latency drawn between <c>minLatency</c> and <c>maxLatency</c>, as Graph answers.
/// </summary>
public sealed class ClusterProvider : IAsyncDisposable
{
    private readonly ProviderServer server;
    private readonly ConcurrentQueue<ProviderArrival> arrivals = new();
    private readonly ConcurrentDictionary<string, int> recipients = new(StringComparer.Ordinal);
    private int answered;

    private ClusterProvider(ProviderServer server, TimeSpan minLatency, TimeSpan maxLatency)
    {
        this.server = server;
        server.Respond = async (request, ctx) =>
        {
            if (request.Method != "POST" || !request.Path.EndsWith("/messages", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            using var body = JsonDocument.Parse(request.Body);
            var recipient = body.RootElement.GetProperty("recipient").GetProperty("id").GetString()!;
            var arrival = new ProviderArrival(request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries)[0], recipient, request.ArrivedAt);
            arrivals.Enqueue(arrival);
            recipients.AddOrUpdate(recipient, 1, (_, n) => n + 1);
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next((int)minLatency.TotalMilliseconds,
                (int)maxLatency.TotalMilliseconds + 1)));
            var id = Interlocked.Increment(ref answered);
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync($$"""{"recipient_id":"{{recipient}}","message_id":"m_{{id}}"}""");
            arrival.Answer();
        };
    }

    public Uri BaseAddress => server.BaseAddress;

    /// <summary>The base URL one instance is given: the provider's address and the instance's name as the first segment.</summary>
    public Uri BaseUrlFor(string instance) => new(server.BaseAddress, instance);

    /// <summary>Every call so far, in arrival order at the queue.</summary>
    public IReadOnlyList<ProviderArrival> Arrivals => [.. arrivals];

    /// <summary>How many different recipients were reached so far.</summary>
    public int Reached => recipients.Count;

    public static async Task<ClusterProvider> StartAsync(TimeSpan minLatency, TimeSpan maxLatency)
    {
        var provider = new ClusterProvider(await ProviderServer.StartAsync(), minLatency, maxLatency);
        await provider.WarmUpAsync();
        return provider;
    }

    /// <summary>
    /// A few calls before the send, then forgotten: a server answering its first requests compiles its code meanwhile,
    /// and would then stamp the requests that queued up behind them with one arrival time, a burst nobody sent.
    /// </summary>
    private async Task WarmUpAsync()
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => client.PostAsync("warmup/messages",
            new StringContent($"{{\"recipient\":{{\"id\":\"warmup{i}\"}}}}", System.Text.Encoding.UTF8, "application/json"))));
        Forget();
    }

    /// <summary>Forgets every call so far (warm-up calls before the measured send).</summary>
    public void Forget()
    {
        arrivals.Clear();
        recipients.Clear();
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
