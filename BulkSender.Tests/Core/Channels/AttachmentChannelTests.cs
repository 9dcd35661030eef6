using System.Text.Json;
using BulkSender.Core.Attachments;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Email;
using BulkSender.Core.Channels.RateLimits;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Dispatch;
using BulkSender.Tests.Core.Attachments;
using BulkSender.Tests.Core.Dispatch;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace BulkSender.Tests.Core.Channels;

/// <summary>Each adapter carries the message's attachment to the loopback provider server.</summary>
public sealed class AttachmentChannelTests : ProviderTest
{
    private static readonly Uri ImageUrl = new("https://bulk.example.com/media/AbCdEfGhIjKlMnOpQrStUvWxYz012345/sale.png");

    protected override IDictionary<string, string?> Configuration(Uri server) => BothGraphChannels(server);

    /// <summary>Messenger and WhatsApp configured against the loopback Graph server.</summary>
    internal static IDictionary<string, string?> BothGraphChannels(Uri server) => new Dictionary<string, string?>
    {
        ["Channels:Messenger:BaseUrl"] = server.ToString(),
        ["Channels:Messenger:ApiVersion"] = "v23.0",
        ["Channels:Messenger:PageId"] = "1122334455",
        ["Channels:Messenger:AccessToken"] = "EAAG-page-token",
        ["Channels:WhatsApp:BaseUrl"] = server.ToString(),
        ["Channels:WhatsApp:ApiVersion"] = "v23.0",
        ["Channels:WhatsApp:PhoneNumberId"] = "106540352242922",
        ["Channels:WhatsApp:AccessToken"] = "EAAG-wa-token",
    };

    private static OutgoingAttachment Image(Uri? url = null) =>
        new(AttachmentKind.Image, "sale.png", "image/png", url ?? ImageUrl, _ => Task.FromResult(AttachmentRulesTests.Png));

    private static OutgoingAttachment Pdf() => new(AttachmentKind.Document, "offer.pdf", "application/pdf",
        new Uri("https://bulk.example.com/media/ZZZZEfGhIjKlMnOpQrStUvWxYz012345/offer.pdf"), _ => Task.FromResult(AttachmentRulesTests.Pdf));

    [Fact]
    public async Task Messenger_sends_the_image_then_the_text_and_the_second_call_waits_for_a_slot()
    {
        Server.AcceptAll();
        var clock = new TimerWatchingClock();
        var limiter = RateLimiterTests.Limiter(Database, clock, new ChannelsOptions { RatePerSecond = { [ChannelKind.Messenger] = 10 } });
        var message = new OutgoingMessage(7, 3, ChannelKind.Messenger, "2460001234567", "Ada", 1, "Title", "Spring sale", null)
        {
            Attachment = Image(),
            CallSlots = new ProviderCallSlots(limiter, await limiter.TakeAsync(ChannelKind.Messenger, default),
                RateLimiterTests.Pauses(Database, clock)),
        };

        var sending = Services.GetRequiredKeyedService<IRealChannel>(ChannelKind.Messenger).SendAsync(message, CancellationToken.None);
        await SendBatchJobTests.Until(() => clock.Timers > 0, timeoutSeconds: 10);
        Server.Requests.Count.ShouldBe(1, "the image went in the send's slot; the text waits for the next one");
        clock.Armed.ShouldBe([clock.GetUtcNow() + TimeSpan.FromTicks(SlotPlan.IntervalTicks(10))]);
        clock.Advance(TimeSpan.FromTicks(SlotPlan.IntervalTicks(10)));
        var result = await sending.WaitAsync(TimeSpan.FromSeconds(10));

        result.Succeeded.ShouldBeTrue();
        var requests = Server.Requests.ToList();
        requests.Count.ShouldBe(2);
        using var first = JsonDocument.Parse(requests[0].Body);
        var attachment = first.RootElement.GetProperty("message").GetProperty("attachment");
        attachment.GetProperty("type").GetString().ShouldBe("image");
        attachment.GetProperty("payload").GetProperty("url").GetString().ShouldBe(ImageUrl.AbsoluteUri);
        using var second = JsonDocument.Parse(requests[1].Body);
        second.RootElement.GetProperty("message").GetProperty("text").GetString().ShouldBe("Spring sale");
    }

    /// <summary>
    /// The send is cancelled while a recipient's text waits for its slot, its image already sent: the recipient gets the
    /// rest of its message (only a recipient's first call is withheld for a cancel).
    /// </summary>
    [Fact]
    public async Task Messenger_still_sends_the_text_after_an_image_that_left_before_the_cancel()
    {
        Server.AcceptAll();
        var clock = new TimerWatchingClock();
        var limiter = RateLimiterTests.Limiter(Database, clock, new ChannelsOptions { RatePerSecond = { [ChannelKind.Messenger] = 10 } });
        var cancellations = new SendCancellations(clock);
        var message = new OutgoingMessage(7, 3, ChannelKind.Messenger, "2460001234567", "Ada", 1, "Title", "Spring sale", null)
        {
            Attachment = Image(),
            CallSlots = new ProviderCallSlots(limiter, await limiter.TakeAsync(ChannelKind.Messenger, default),
                RateLimiterTests.Pauses(Database, clock), () => cancellations.IsKnownCancelled(3)),
        };

        var sending = Services.GetRequiredKeyedService<IRealChannel>(ChannelKind.Messenger).SendAsync(message, CancellationToken.None);
        await SendBatchJobTests.Until(() => clock.Timers > 0, timeoutSeconds: 10);
        Server.Requests.Count.ShouldBe(1, "the image went");
        cancellations.Cancelled(3);
        clock.Advance(TimeSpan.FromTicks(SlotPlan.IntervalTicks(10)));
        var result = await sending.WaitAsync(TimeSpan.FromSeconds(10));

        result.Succeeded.ShouldBeTrue();
        Server.Requests.Count.ShouldBe(2, "and the text after it");
    }

    [Fact]
    public async Task Whatsapp_sends_an_image_with_its_caption_and_a_template_header_document()
    {
        Server.AcceptAll();
        var channel = Services.GetRequiredKeyedService<IRealChannel>(ChannelKind.WhatsApp);
        var free = new OutgoingMessage(9, 4, ChannelKind.WhatsApp, "+14155550123", "Grace", 1, "Title", "Spring sale", null)
        {
            Attachment = Image(),
        };
        var template = new OutgoingMessage(10, 4, ChannelKind.WhatsApp, "+14155550123", "Grace", 1, "Title", "", null,
            new OutgoingTemplate("offer", "en_US", [new OutgoingTemplateParameter("body", null, "Grace")]))
        { Attachment = Pdf() };

        (await channel.SendAsync(free, CancellationToken.None)).Succeeded.ShouldBeTrue();
        (await channel.SendAsync(template, CancellationToken.None)).Succeeded.ShouldBeTrue();

        var requests = Server.Requests.ToList();
        using var image = JsonDocument.Parse(requests[0].Body);
        image.RootElement.GetProperty("type").GetString().ShouldBe("image");
        image.RootElement.GetProperty("image").GetProperty("link").GetString().ShouldBe(ImageUrl.AbsoluteUri);
        image.RootElement.GetProperty("image").GetProperty("caption").GetString().ShouldBe("Spring sale");
        using var withHeader = JsonDocument.Parse(requests[1].Body);
        var header = withHeader.RootElement.GetProperty("template").GetProperty("components")[0];
        header.GetProperty("type").GetString().ShouldBe("header");
        var document = header.GetProperty("parameters")[0];
        document.GetProperty("type").GetString().ShouldBe("document");
        document.GetProperty("document").GetProperty("filename").GetString().ShouldBe("offer.pdf");
    }

    [Fact]
    public async Task Without_a_public_url_the_link_providers_fail_with_the_reason_and_are_not_called()
    {
        var message = new OutgoingMessage(9, 4, ChannelKind.WhatsApp, "+14155550123", "Grace", 1, "Title", "Hi", null)
        {
            Attachment = new OutgoingAttachment(AttachmentKind.Image, "a.png", "image/png", null, _ => Task.FromResult(AttachmentRulesTests.Png)),
        };

        var result = await Services.GetRequiredKeyedService<IRealChannel>(ChannelKind.WhatsApp).SendAsync(message, CancellationToken.None);

        (result.Succeeded, result.ErrorCode).ShouldBe((false, "no_public_url"));
        Server.Requests.ShouldBeEmpty();
    }

    [Fact]
    public void Email_attaches_a_pdf_and_shows_an_image_inline()
    {
        var settings = new EmailSettings("smtp.example.com", 587, SmtpSecurity.StartTls, null, null, "news@example.com", "News", null,
            new Uri("https://bulk.example.com"), 1, null, null);
        var unsubscribe = new Uri("https://bulk.example.com/unsubscribe?token=t");
        var message = new OutgoingMessage(1, 1, ChannelKind.Email, "ana@example.com", "Ana", 1, "Sale", "Hello", null);

        var withPdf = EmailChannel.Compose(settings, message with { Attachment = Pdf() }, unsubscribe, AttachmentRulesTests.Pdf);
        var withImage = EmailChannel.Compose(settings, message with { Attachment = Image() }, unsubscribe, AttachmentRulesTests.Png);

        var pdf = withPdf.Attachments.OfType<MimePart>().Single();
        (pdf.FileName, pdf.ContentType.MimeType).ShouldBe(("offer.pdf", "application/pdf"));
        var inline = withImage.BodyParts.OfType<MimePart>().Single(p => p.ContentType.MimeType == "image/png");
        withImage.HtmlBody!.ShouldContain($"cid:{inline.ContentId}");
        using var bytes = new MemoryStream();
        inline.Content!.DecodeTo(bytes);
        bytes.ToArray().ShouldBe(AttachmentRulesTests.Png);
    }
}
