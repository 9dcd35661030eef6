using System.Globalization;
using System.Net;
using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Funnel;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.Webhooks;

[Collection(AppCollection.Name)]
public sealed class WhatsAppWebhookTests(AppFixture app)
{
    private const string Path = "/webhooks/whatsapp";

    private static string Payload(object[]? statuses = null, object[]? messages = null) => JsonSerializer.Serialize(new
    {
        @object = "whatsapp_business_account",
        entry = new[]
        {
            new
            {
                id = "102290129340398",
                changes = new[]
                {
                    new
                    {
                        field = "messages",
                        value = new Dictionary<string, object?>
                        {
                            ["messaging_product"] = "whatsapp",
                            ["metadata"] = new { display_phone_number = "15550783881", phone_number_id = "106540352242922" },
                            ["statuses"] = statuses,
                            ["messages"] = messages,
                        }.Where(p => p.Value is not null).ToDictionary(),
                    },
                },
            },
        },
    });

    private static object Status(string wamid, string status, DateTime at, int? errorCode = null) => errorCode is { } code
        ? new
        {
            id = wamid, status, timestamp = Webhook.Seconds(at).ToString(CultureInfo.InvariantCulture), recipient_id = "14155550123",
            errors = new[] { new { code, title = "Message undeliverable.", message = "Message undeliverable.",
                error_data = new { details = "Message Undeliverable." } } }
        }
        : new
        {
            id = wamid, status, timestamp = Webhook.Seconds(at).ToString(CultureInfo.InvariantCulture), recipient_id = "14155550123",
            errors = Array.Empty<object>()
        };

    private static object Text(string from, string body, DateTime at) =>
        new
        {
            from, id = $"wamid.{Guid.NewGuid():N}", timestamp = Webhook.Seconds(at).ToString(CultureInfo.InvariantCulture),
            type = "text", text = new { body }
        };

    private Task<HttpResponseMessage> PostAsync(string json, string? secret = AppFixture.WhatsAppAppSecret) =>
        Webhook.PostAsync(app.NewClient(), Path, json, secret);

    private async Task<(string Address, Delivery Delivery)> SentAsync(DateTime at)
    {
        var contact = ContactBuilder.Contact(ChannelKind.WhatsApp);
        await using var db = app.NewDbContext();
        var (_, deliveries) = await DeliveryBuilder.SentAsync(db, ChannelKind.WhatsApp, [contact], at);
        return (contact.Address, deliveries.Single());
    }

    private async Task<Delivery> ReloadAsync(long id)
    {
        await using var db = app.NewDbContext();
        return await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == id);
    }

    [Fact]
    public async Task Verification_echoes_the_challenge_for_our_token()
    {
        using var client = app.NewClient();

        var ok = await client.GetAsync($"{Path}?hub.mode=subscribe&hub.verify_token={AppFixture.WhatsAppVerifyToken}&hub.challenge=42");
        var wrong = await client.GetAsync($"{Path}?hub.mode=subscribe&hub.verify_token={AppFixture.MessengerVerifyToken}&hub.challenge=42");

        (ok.StatusCode, await ok.Content.ReadAsStringAsync()).ShouldBe((HttpStatusCode.OK, "42"));
        wrong.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Delivered_and_read_statuses_move_the_delivery()
    {
        var now = DateTime.UtcNow;
        var (_, sent) = await SentAsync(now.AddMinutes(-5));

        (await PostAsync(Payload([Status(sent.ProviderMessageId!, "sent", now.AddMinutes(-5)),
            Status(sent.ProviderMessageId!, "delivered", now.AddMinutes(-4))]))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ReloadAsync(sent.Id)).DeliveredAt.ShouldNotBeNull();

        (await PostAsync(Payload([Status(sent.ProviderMessageId!, "read", now.AddMinutes(-1))]))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ReloadAsync(sent.Id)).ReadAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_failed_status_fails_the_delivery_with_its_error_type()
    {
        var now = DateTime.UtcNow;
        var (_, sent) = await SentAsync(now.AddMinutes(-5));

        (await PostAsync(Payload([Status(sent.ProviderMessageId!, "failed", now.AddMinutes(-4), 131026)]))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var failed = await ReloadAsync(sent.Id);
        (failed.Status, failed.ErrorType, failed.ErrorCode).ShouldBe((DeliveryStatus.Failed, ErrorType.InvalidRecipient, "131026"));
        failed.ErrorMessage.ShouldBe("Message undeliverable. (Message Undeliverable.)");
    }

    [Fact]
    public async Task A_failure_arriving_after_the_read_does_not_override_it_and_duplicates_change_nothing()
    {
        var now = DateTime.UtcNow;
        var (_, inOrder) = await SentAsync(now.AddMinutes(-5));
        var (_, reversed) = await SentAsync(now.AddMinutes(-5));
        object[] Events(Delivery d) =>
        [
            Status(d.ProviderMessageId!, "delivered", now.AddMinutes(-4)),
            Status(d.ProviderMessageId!, "failed", now.AddMinutes(-3), 131000),
            Status(d.ProviderMessageId!, "read", now.AddMinutes(-2)),
        ];

        foreach (var status in Events(inOrder))
            await PostAsync(Payload([status]));
        foreach (var status in Events(reversed).Reverse().Concat(Events(reversed)))
            await PostAsync(Payload([status]));

        var a = await ReloadAsync(inOrder.Id);
        var b = await ReloadAsync(reversed.Id);
        (b.Status, b.DeliveredAt, b.ReadAt, b.ErrorType).ShouldBe((a.Status, a.DeliveredAt, a.ReadAt, a.ErrorType));
        (a.Status, a.ErrorType).ShouldBe((DeliveryStatus.Sent, null));
        a.ReadAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task An_inbound_stop_opts_the_contact_out_and_marks_the_reply()
    {
        var now = DateTime.UtcNow;
        var (address, sent) = await SentAsync(now.AddMinutes(-5));

        (await PostAsync(Payload(messages: [Text(address.TrimStart('+'), "STOP", now.AddMinutes(-1))]))).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await ReloadAsync(sent.Id)).RepliedAt.ShouldNotBeNull();
        await using var db = app.NewDbContext();
        var contact = await db.Contacts.SingleAsync(c => c.Address == address);
        contact.OptedOut.ShouldBeTrue();
        contact.LastInboundAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_messenger_signature_is_not_accepted_here()
    {
        var (_, sent) = await SentAsync(DateTime.UtcNow.AddMinutes(-5));

        var response = await PostAsync(Payload([Status(sent.ProviderMessageId!, "read", DateTime.UtcNow)]), AppFixture.MessengerAppSecret);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ReloadAsync(sent.Id)).ReadAt.ShouldBeNull();
    }

    private static object Priced(string wamid, string status, DateTime at, string category, string type, string userId) => new
    {
        id = wamid, status, timestamp = Webhook.Seconds(at).ToString(CultureInfo.InvariantCulture), recipient_id = "14155550123",
        recipient_user_id = userId,
        pricing = new { billable = type == "regular", pricing_model = "PMP", category, type },
    };

    [Fact]
    public async Task Pricing_is_kept_per_delivery_and_summed_as_billable_templates_by_category()
    {
        var now = DateTime.UtcNow;
        await using var db = app.NewDbContext();
        var (message, deliveries) = await DeliveryBuilder.SentAsync(db, ChannelKind.WhatsApp, ContactBuilder.Many(3, ChannelKind.WhatsApp),
            now.AddMinutes(-5));
        var ids = deliveries.Select(d => d.ProviderMessageId!).ToList();

        (await PostAsync(Payload([
            Priced(ids[0], "sent", now.AddMinutes(-4), "marketing", "regular", "US.13491208655302741918"),
            Priced(ids[1], "delivered", now.AddMinutes(-4), "marketing", "regular", "US.13491208655302741919"),
            Priced(ids[2], "sent", now.AddMinutes(-4), "service", "free_customer_service", "US.13491208655302741920"),
        ]))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var first = await ReloadAsync(deliveries[0].Id);
        (first.PricingCategory, first.PricingModel, first.PricingType, first.Billable).ShouldBe(("marketing", "PMP", "regular", true));
        (await ReloadAsync(deliveries[2].Id)).Billable.ShouldBe(false);
        var billable = await app.Services.GetRequiredService<FunnelQueries>().BillableByCategoryAsync(message.Id, CancellationToken.None);
        billable.ShouldBe([new BillableCount("marketing", 2)]);
    }

    [Fact]
    public async Task The_recipients_business_scoped_user_id_is_kept_on_the_contact()
    {
        var now = DateTime.UtcNow;
        var (_, sent) = await SentAsync(now.AddMinutes(-5));

        (await PostAsync(Payload([Priced(sent.ProviderMessageId!, "delivered", now, "utility", "regular", "US.1349120865530274")])))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        await using var db = app.NewDbContext();
        (await db.Contacts.SingleAsync(c => c.Id == sent.ContactId)).BusinessScopedUserId.ShouldBe("US.1349120865530274");
    }

    /// <summary>Statuses in the order they arrive (minutes after the send), and the state they must end in.</summary>
    public static TheoryData<string, string[], DeliveryStatus, bool, bool> OutOfOrder => new()
    {
        { "read before delivered", ["read:3", "delivered:2"], DeliveryStatus.Sent, true, true },
        { "delivered after read", ["sent:1", "read:3", "delivered:4"], DeliveryStatus.Sent, true, true },
        { "failed after sent", ["sent:1", "failed:2"], DeliveryStatus.Failed, false, false },
        { "sent after delivered", ["delivered:2", "sent:1"], DeliveryStatus.Sent, true, false },
        { "read without delivered", ["sent:1", "read:3"], DeliveryStatus.Sent, true, true },
    };

    [Theory]
    [MemberData(nameof(OutOfOrder))]
    public async Task Statuses_out_of_order_or_skipping_delivered_end_in_the_right_state(string _, string[] events, DeliveryStatus status,
        bool delivered,
        bool read)
    {
        var sentAt = DateTime.UtcNow.AddMinutes(-10);
        var (_, sent) = await SentAsync(sentAt);

        foreach (var e in events)
        {
            var (kind, minutes) = (e.Split(':')[0], int.Parse(e.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
            var at = sentAt.AddMinutes(minutes);
            (await PostAsync(Payload([kind == "failed" ? Status(sent.ProviderMessageId!, kind, at, 131026) : Status(sent.ProviderMessageId!,
                kind, at)])))
                .StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var end = await ReloadAsync(sent.Id);
        (end.Status, end.DeliveredAt is not null, end.ReadAt is not null).ShouldBe((status, delivered, read));
        if (read)
            end.DeliveredAt!.Value.ShouldBeLessThanOrEqualTo(end.ReadAt!.Value);
    }

    [Fact]
    public async Task A_template_status_update_changes_the_templates_list()
    {
        await using (var db = app.NewDbContext())
        {
            db.WhatsAppTemplates.Add(new BulkSender.Core.Templates.WhatsAppTemplate
            {
                ProviderId = "594425479261596", Name = "webhook_paused", Language = "en_US", Category = "MARKETING", Status = "APPROVED",
                Components = "[]", SyncedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        var json = JsonSerializer.Serialize(new
        {
            @object = "whatsapp_business_account",
            entry = new[]
            {
                new
                {
                    id = "102290129340398", time = 1764000000,
                    changes = new[]
                    {
                        new
                        {
                            field = "message_template_status_update",
                            value = new
                            {
                                @event = "PAUSED", message_template_id = 594425479261596, message_template_name = "webhook_paused",
                                message_template_language = "en_US", reason = "Your template has been paused due to low quality.",
                            },
                        },
                    },
                },
            },
        });

        (await PostAsync(json)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await using var check = app.NewDbContext();
        var template = await check.WhatsAppTemplates.SingleAsync(t => t.Name == "webhook_paused");
        (template.Status, template.StatusReason).ShouldBe(("PAUSED", "Your template has been paused due to low quality."));
    }
}
