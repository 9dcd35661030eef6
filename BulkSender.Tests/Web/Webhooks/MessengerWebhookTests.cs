using System.Net;
using System.Text;
using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Web.Webhooks;

[Collection(AppCollection.Name)]
public sealed class MessengerWebhookTests(AppFixture app)
{
    private const string Path = "/webhooks/messenger";
    private const string PageId = "1122334455";

    private static string Payload(params object[] messaging) => JsonSerializer.Serialize(new
    {
        @object = "page",
        entry = new[] { new { id = PageId, time = Webhook.Millis(DateTime.UtcNow), messaging } },
    });

    private static object Delivery(string psid, DateTime watermark, params string[] mids) =>
        new { sender = new { id = psid }, recipient = new { id = PageId }, delivery = new { mids, watermark = Webhook.Millis(watermark) } };

    private static object Read(string psid, DateTime watermark, DateTime at) =>
        new
        {
            sender = new { id = psid }, recipient = new { id = PageId }, timestamp = Webhook.Millis(at),
            read = new { watermark = Webhook.Millis(watermark) }
        };

    private static object Inbound(string psid, string text, DateTime at) =>
        new
        {
            sender = new { id = psid }, recipient = new { id = PageId }, timestamp = Webhook.Millis(at),
            message = new { mid = $"m_{Guid.NewGuid():N}", text }
        };

    private static object Echo(string psid, string text, DateTime at) =>
        new
        {
            sender = new { id = PageId }, recipient = new { id = psid }, timestamp = Webhook.Millis(at),
            message = new { mid = "m_echo", is_echo = true, text }
        };

    private Task<HttpResponseMessage> PostAsync(string json, string? secret = AppFixture.MessengerAppSecret, string? signature = null) =>
        Webhook.PostAsync(app.NewClient(), Path, json, secret, signature);

    private async Task<(string Psid, List<Delivery> Deliveries)> SentAsync(params DateTime[] sentAt)
    {
        var contact = ContactBuilder.Contact(ChannelKind.Messenger);
        var deliveries = new List<Delivery>();
        await using var db = app.NewDbContext();
        foreach (var at in sentAt)
            deliveries.AddRange((await DeliveryBuilder.SentAsync(db, ChannelKind.Messenger, [contact], at)).Deliveries);
        return (contact.Address, deliveries);
    }

    private async Task<Delivery> ReloadAsync(long id)
    {
        await using var db = app.NewDbContext();
        return await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == id);
    }

    [Theory]
    [InlineData("subscribe", AppFixture.MessengerVerifyToken, HttpStatusCode.OK)]
    [InlineData("subscribe", "wrong-token", HttpStatusCode.Forbidden)]
    [InlineData("unsubscribe", AppFixture.MessengerVerifyToken, HttpStatusCode.Forbidden)]
    public async Task Verification_echoes_the_challenge_only_for_our_token(string mode, string token, HttpStatusCode expected)
    {
        using var client = app.NewClient();

        var response = await client.GetAsync($"{Path}?hub.mode={mode}&hub.verify_token={token}&hub.challenge=1158201444");

        response.StatusCode.ShouldBe(expected);
        if (expected == HttpStatusCode.OK)
            (await response.Content.ReadAsStringAsync()).ShouldBe("1158201444");
    }

    [Fact]
    public async Task A_signed_delivery_watermark_delivers_everything_sent_up_to_it()
    {
        var now = DateTime.UtcNow;
        var (psid, sent) = await SentAsync(now.AddMinutes(-3), now.AddMinutes(-2), now.AddMinutes(5));

        var response = await PostAsync(Payload(Delivery(psid, now)));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ReloadAsync(sent[0].Id)).DeliveredAt.ShouldNotBeNull();
        (await ReloadAsync(sent[1].Id)).DeliveredAt.ShouldNotBeNull();
        (await ReloadAsync(sent[2].Id)).DeliveredAt.ShouldBeNull();
    }

    [Theory]
    [InlineData("sha256=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("sha1=abc")]
    [InlineData("")]
    [InlineData(null)]
    public async Task A_bad_or_missing_signature_gets_401_and_changes_nothing(string? signature)
    {
        var now = DateTime.UtcNow;
        var (psid, sent) = await SentAsync(now.AddMinutes(-1));

        var response = await PostAsync(Payload(Read(psid, now, now)), secret: null, signature: signature);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ReloadAsync(sent[0].Id)).ReadAt.ShouldBeNull();
    }

    [Fact]
    public async Task A_body_signed_with_another_secret_gets_401()
    {
        var now = DateTime.UtcNow;
        var (psid, sent) = await SentAsync(now.AddMinutes(-1));

        var response = await PostAsync(Payload(Read(psid, now, now)), secret: AppFixture.WhatsAppAppSecret);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ReloadAsync(sent[0].Id)).ReadAt.ShouldBeNull();
    }

    [Theory]
    [InlineData("{\"object\":\"page\",\"entry\":[")]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    public async Task Malformed_json_with_a_good_signature_gets_400(string body)
    {
        (await PostAsync(body)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_body_over_1_mb_gets_413_with_or_without_content_length()
    {
        var body = Encoding.UTF8.GetBytes(Payload(Inbound("123456789", new string('x', 1024 * 1024), DateTime.UtcNow)));
        using var client = app.NewClient();

        var withLength = await Webhook.PostAsync(client, Path, new ByteArrayContent(body), body, AppFixture.MessengerAppSecret);
        var chunked = await Webhook.PostAsync(client, Path, new Webhook.Chunked(body), body, AppFixture.MessengerAppSecret);

        withLength.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        chunked.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Duplicated_and_out_of_order_events_end_in_the_same_state()
    {
        var now = DateTime.UtcNow;
        var (psid, sent) = await SentAsync(now.AddMinutes(-10), now.AddMinutes(-5));

        // The read arrives first, then an older delivery, then both again.
        foreach (var body in new[] { Payload(Read(psid, now.AddMinutes(-1), now)), Payload(Delivery(psid, now.AddMinutes(-4))),
                     Payload(Delivery(psid, now.AddMinutes(-4))), Payload(Read(psid, now.AddMinutes(-1), now)) })
            (await PostAsync(body)).StatusCode.ShouldBe(HttpStatusCode.OK);

        foreach (var delivery in sent)
        {
            var saved = await ReloadAsync(delivery.Id);
            saved.ReadAt.ShouldNotBeNull();
            saved.DeliveredAt.ShouldNotBeNull();
            saved.DeliveredAt!.Value.ShouldBeLessThanOrEqualTo(saved.ReadAt!.Value);
            saved.Status.ShouldBe(DeliveryStatus.Sent);
        }
    }

    [Fact]
    public async Task An_inbound_message_keeps_the_last_inbound_time_marks_the_reply_and_stop_opts_out()
    {
        var now = DateTime.UtcNow;
        var (psid, sent) = await SentAsync(now.AddMinutes(-30));

        (await PostAsync(Payload(Echo(psid, "STOP", now.AddMinutes(-20))))).StatusCode.ShouldBe(HttpStatusCode.OK);
        await using (var db = app.NewDbContext())
            (await db.Contacts.SingleAsync(c => c.Address == psid)).OptedOut.ShouldBeFalse();

        (await PostAsync(Payload(Inbound(psid, "  Stop ", now.AddMinutes(-10))))).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await ReloadAsync(sent[0].Id)).RepliedAt.ShouldNotBeNull();
        await using var check = app.NewDbContext();
        var contact = await check.Contacts.SingleAsync(c => c.Address == psid);
        contact.OptedOut.ShouldBeTrue();
        contact.LastInboundAt!.Value.ShouldBe(now.AddMinutes(-10), TimeSpan.FromMilliseconds(1));
    }
}
