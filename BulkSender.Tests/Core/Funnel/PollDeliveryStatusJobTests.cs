using System.Globalization;
using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Funnel;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Core.Funnel;

[Trait("Database", "Both")]
public sealed class PollDeliveryStatusJobTests : ProviderTest
{
    private const string Token = "EAAJ-poll-token-4321";

    protected override IDictionary<string, string?> Configuration(Uri server) => new Dictionary<string, string?>
    {
        ["Channels:WhatsApp:AccessToken"] = Token,
        ["Channels:WhatsApp:StatusUrl"] = new Uri(server, "/v23.0/statuses").ToString(),
        ["Channels:RatePerSecond:WhatsApp"] = "200",
        ["Channels:StatusPolling:BatchSize"] = "3",
    };

    private PollDeliveryStatusJob Job => Services.GetRequiredService<PollDeliveryStatusJob>();

    private static DateTime Now => DateTime.UtcNow;

    /// <summary>Answers GET /v23.0/statuses/{id} with the status the test wants for that id.</summary>
    private void AnswerStatuses(Func<string, object?> statusFor) => Server.Respond = async (request, ctx) =>
    {
        var id = Uri.UnescapeDataString(request.Path["/v23.0/statuses/".Length..]);
        if (statusFor(id) is not { } status)
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(status));
    };

    [Fact]
    public async Task Polls_unread_recent_deliveries_in_bounded_batches_and_feeds_the_updater()
    {
        List<Delivery> deliveries;
        await using (var db = Database.CreateDbContext())
            deliveries = (await DeliveryBuilder.SentAsync(db, ChannelKind.WhatsApp,
                ContactBuilder.Many(5, ChannelKind.WhatsApp), Now.AddHours(-1))).Deliveries;
        var unix = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var answers = new Dictionary<string, object>
        {
            [deliveries[0].ProviderMessageId!] = new { id = deliveries[0].ProviderMessageId, status = "read", timestamp = unix },
            [deliveries[1].ProviderMessageId!] = new { id = deliveries[1].ProviderMessageId, status = "delivered", timestamp = unix },
            [deliveries[2].ProviderMessageId!] = new { id = deliveries[2].ProviderMessageId, status = "sent", timestamp = unix },
            [deliveries[3].ProviderMessageId!] = new
            {
                id = deliveries[3].ProviderMessageId, status = "failed", timestamp = unix,
                errors = new[] { new { code = 131026, title = "Message undeliverable", message = "Message undeliverable",
                    error_data = new { details = "Receiver is incapable of receiving this message" } } },
            },
            [deliveries[4].ProviderMessageId!] = new { id = deliveries[4].ProviderMessageId, status = "delivered", timestamp = unix },
        };
        AnswerStatuses(id => answers.GetValueOrDefault(id));

        var firstRun = await Job.RunAsync(CancellationToken.None);
        var asked = Server.Requests.Count;
        var secondRun = await Job.RunAsync(CancellationToken.None);

        (firstRun, asked).ShouldBe((2, 3));
        secondRun.ShouldBe(2);
        Server.Requests.ShouldAllBe(r => r.Method == "GET" && r.Authorization == $"Bearer {Token}");
        await using var check = Database.CreateDbContext();
        var byId = await check.Deliveries.Where(d => d.MessageId == deliveries[0].MessageId).ToDictionaryAsync(d => d.Id);
        byId[deliveries[0].Id].ReadAt.ShouldNotBeNull();
        byId[deliveries[1].Id].DeliveredAt.ShouldNotBeNull();
        byId[deliveries[2].Id].DeliveredAt.ShouldBeNull();
        (byId[deliveries[3].Id].Status, byId[deliveries[3].Id].ErrorType).ShouldBe((DeliveryStatus.Failed, ErrorType.InvalidRecipient));
        byId[deliveries[4].Id].DeliveredAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task Read_old_and_other_channel_deliveries_are_not_asked_about()
    {
        await using (var db = Database.CreateDbContext())
        {
            var read = await DeliveryBuilder.SentAsync(db, ChannelKind.WhatsApp, ContactBuilder.Many(1, ChannelKind.WhatsApp), Now.AddHours(-1));
            await db.Deliveries.Where(d => d.Id == read.Deliveries[0].Id).ExecuteUpdateAsync(s => s.SetProperty(d => d.ReadAt, Now));
            await DeliveryBuilder.SentAsync(db, ChannelKind.WhatsApp, ContactBuilder.Many(1, ChannelKind.WhatsApp), Now.AddDays(-10));
            await DeliveryBuilder.SentAsync(db, ChannelKind.Messenger, ContactBuilder.Many(1, ChannelKind.Messenger), Now.AddHours(-1));
        }
        AnswerStatuses(_ => null);

        await Job.RunAsync(CancellationToken.None);

        Server.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_rate_limited_answer_stops_the_run()
    {
        await using (var db = Database.CreateDbContext())
            await DeliveryBuilder.SentAsync(db, ChannelKind.WhatsApp, ContactBuilder.Many(3, ChannelKind.WhatsApp), Now.AddHours(-1));
        Server.AnswerJson(429, ProviderServer.GraphError(130429, "Rate limit hit"));

        await Job.RunAsync(CancellationToken.None);

        Server.Requests.Count.ShouldBe(1);
    }
}
