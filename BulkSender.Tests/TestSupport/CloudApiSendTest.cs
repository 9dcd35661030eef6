using Microsoft.AspNetCore.Http;

namespace BulkSender.Tests.TestSupport;

/// <summary>
/// Per test: a Core host (its database on the provider under test) whose WhatsApp channel sends to a Cloud API server
/// on loopback at 10 messages a second, 10 in flight, in real time: for the replies that stop calls on their way.
/// </summary>
public abstract class CloudApiSendTest : IAsyncLifetime
{
    protected ProviderServer Server { get; private set; } = null!;
    protected CoreHost Host { get; private set; } = null!;

    /// <summary>More of the host's settings (a test class's own).</summary>
    protected virtual IReadOnlyDictionary<string, string?> MoreSettings { get; } = new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        Server = await ProviderServer.StartAsync();
        var settings = new Dictionary<string, string?>(MoreSettings)
        {
            ["Channels:WhatsApp:BaseUrl"] = Server.BaseAddress.ToString(),
            ["Channels:WhatsApp:PhoneNumberId"] = "106540352242922",
            ["Channels:WhatsApp:AccessToken"] = "EAAJ-whatsapp-token",
            ["Channels:RatePerSecond:WhatsApp"] = "10",
            ["Channels:MaxInFlight:WhatsApp"] = "10",
        };
        Host = await CoreHost.StartAsync(contacts: 60, settings: settings);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Server.DisposeAsync();
    }

    /// <summary>
    /// Answers the <paramref name="nth"/> request with <paramref name="error"/> (HTTP 400, the Cloud API's error body,
    /// <paramref name="retryAfter"/> in whole seconds), every other one with success, each after <paramref name="latency"/>.
    /// </summary>
    protected void AnswerTheNthWithError(int nth, string error, TimeSpan retryAfter, TimeSpan latency)
    {
        Server.AcceptAll();
        var accept = Server.Respond;
        var answered = 0;
        Server.Respond = async (request, ctx) =>
        {
            await Task.Delay(latency);
            if (Interlocked.Increment(ref answered) != nth)
            {
                await accept(request, ctx);
                return;
            }
            ctx.Response.StatusCode = 400;
            ctx.Response.ContentType = "application/json";
            ctx.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await ctx.Response.WriteAsync(error);
        };
    }
}
