using System.Diagnostics;
using System.Text.RegularExpressions;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Core.Channels;

/// <summary>
/// A pausing reply (WhatsApp's 131048: the number is restricted for spam) stops every call of the channel that has not
/// left yet, those already past the gate and waiting for their rate-limiter slot included, and the batch waits for an
/// admin whichever recipient got the reply, the last one included. Against a Cloud API server on loopback, real time.
/// </summary>
[Trait("Database", "Both")]
public sealed partial class PausingReplyTests : IAsyncLifetime
{
    private static readonly Actor Admin = new("admin-id", "admin@test.local");
    private ProviderServer server = null!;
    private CoreHost host = null!;

    public async Task InitializeAsync()
    {
        server = await ProviderServer.StartAsync();
        host = await CoreHost.StartAsync(contacts: 60, settings: new Dictionary<string, string?>
        {
            ["Channels:WhatsApp:BaseUrl"] = server.BaseAddress.ToString(),
            ["Channels:WhatsApp:PhoneNumberId"] = "106540352242922",
            ["Channels:WhatsApp:AccessToken"] = "EAAJ-whatsapp-token",
            ["Channels:RatePerSecond:WhatsApp"] = "10",
            ["Channels:MaxInFlight:WhatsApp"] = "10",
        });
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await server.DisposeAsync();
    }

    private static string SpamRateLimit => ProviderServer.CloudApiError(131048, "Spam rate limit hit",
        "Message failed to send because there are restrictions on how many messages can be sent from this phone number.");

    /// <summary>
    /// Answers the <paramref name="pausing"/>th request with 131048 (Retry-After: 1 s), every other one with success,
    /// each after <paramref name="latency"/>; returns when the app knew of the pause (a <see cref="Stopwatch"/>
    /// timestamp, 0: not yet).
    /// </summary>
    private Func<long> AnswerWithSpamRateLimit(int pausing, TimeSpan latency)
    {
        server.AcceptAll();
        var accept = server.Respond;
        var (answered, pausedAt) = (0, 0L);
        host.Services.GetRequiredService<ChannelPauses>().Changed += () => Volatile.Write(ref pausedAt, Stopwatch.GetTimestamp());
        server.Respond = async (request, ctx) =>
        {
            await Task.Delay(latency);
            if (Interlocked.Increment(ref answered) != pausing)
            {
                await accept(request, ctx);
                return;
            }
            ctx.Response.StatusCode = 400;
            ctx.Response.ContentType = "application/json";
            ctx.Response.Headers.RetryAfter = "1";
            await ctx.Response.WriteAsync(SpamRateLimit);
        };
        return () => Volatile.Read(ref pausedAt);
    }

    private Dictionary<string, int> RequestsPerAddress() => server.Requests
        .GroupBy(r => To().Match(r.Body).Groups[1].Value).ToDictionary(g => g.Key, g => g.Count());

    [GeneratedRegex("\"to\":\"(\\d+)\"")]
    private static partial Regex To();

    [Fact]
    public async Task A_call_waiting_for_its_slot_when_the_channel_is_paused_is_not_made_and_goes_after_the_resume()
    {
        var ids = await host.ContactsWhoWroteAsync(ChannelKind.WhatsApp, 40);
        var pausedAt = AnswerWithSpamRateLimit(pausing: 3, latency: TimeSpan.FromMilliseconds(200));
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.WhatsApp, ids));

        await host.RunEnqueuedAsync();

        pausedAt().ShouldNotBe(0L);
        var late = server.Requests.Where(r => Stopwatch.GetElapsedTime(pausedAt(), r.ArrivedAt) > TimeSpan.FromMilliseconds(500)).ToList();
        late.ShouldBeEmpty("no call leaves once the channel is paused (those on their way then have arrived within half a " +
            "second): those that waited out the 131048's back-off (1 s) for a slot were not made");
        var reached = server.Requests.Count;
        reached.ShouldBeLessThan(ids.Count, "the pause stopped the send");
        var deliveries = await host.DeliveriesAsync(messageId);
        deliveries.Count(d => d.Status == DeliveryStatus.Sent).ShouldBe(reached - 1);
        deliveries.Where(d => d.Status != DeliveryStatus.Sent)
            .ShouldAllBe(d => d.Status == DeliveryStatus.Pending && d.AttemptNumber == 1 && d.ErrorCode == null);
        (await host.BatchesAsync(messageId)).ShouldAllBe(b => b.Status != BatchStatus.Processing && b.FailedCount == 0);
        var pause = (await host.Services.GetRequiredService<ChannelPauses>().ListAsync(CancellationToken.None)).ShouldHaveSingleItem();
        pause.ErrorCode.ShouldBe("131048");

        server.AcceptAll();
        (await host.Services.GetRequiredService<ChannelResume>().ResumeAsync(ChannelKind.WhatsApp, Admin, CancellationToken.None))
            .ShouldNotBeNull();
        await host.RunEnqueuedAsync();

        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sent);
        var perAddress = RequestsPerAddress();
        perAddress.Count.ShouldBe(ids.Count);
        perAddress.Values.Sum().ShouldBe(ids.Count + 1, "each recipient reached once, the one the 131048 answered twice");
    }

    [Fact]
    public async Task The_last_recipients_pausing_reply_leaves_the_batch_to_go_on_after_the_resume()
    {
        var ids = await host.ContactsWhoWroteAsync(ChannelKind.WhatsApp, 1);
        AnswerWithSpamRateLimit(pausing: 1, latency: TimeSpan.Zero);
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.WhatsApp, ids));

        await host.RunEnqueuedAsync();

        server.Requests.Count.ShouldBe(1);
        (await host.DeliveriesAsync(messageId)).ShouldHaveSingleItem().Status.ShouldBe(DeliveryStatus.Pending);
        (await host.BatchesAsync(messageId)).ShouldHaveSingleItem().Status.ShouldBe(BatchStatus.Pending,
            "the batch waits for the resume, as when the gate finds the channel paused");
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sending);

        server.AcceptAll();
        (await host.Services.GetRequiredService<ChannelResume>().ResumeAsync(ChannelKind.WhatsApp, Admin, CancellationToken.None))
            .ShouldBe(new ChannelResumed(ChannelKind.WhatsApp, 1));
        await host.RunEnqueuedAsync();

        server.Requests.Count.ShouldBe(2);
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sent);
    }
}
