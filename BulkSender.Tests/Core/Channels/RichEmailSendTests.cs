using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using BulkSender.Core.Activity;
using BulkSender.Core.Attachments;
using BulkSender.Core.Channels;
using BulkSender.Core.Messages;
using BulkSender.Tests.Core.Attachments;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace BulkSender.Tests.Core.Channels;

/// <summary>
/// Markdown e-mail through the whole send path (SendService, the batch job, the SMTP adapter) to the loopback SMTP
/// server: each mail has a text and an HTML part made from the same source, the link works in both, the subject and
/// the greeting are the recipient's.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "xUnit disposes what the class owns through IAsyncLifetime.DisposeAsync.")]
public sealed class RichEmailSendTests : IAsyncLifetime
{
    private SmtpTestServer smtp = null!;
    private CoreHost host = null!;

    public async Task InitializeAsync()
    {
        smtp = new SmtpTestServer();
        host = await CoreHost.StartAsync(contacts: 60, settings: SmtpSettings(smtp));
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await smtp.DisposeAsync();
    }

    /// <summary>The e-mail settings of a host that sends through <paramref name="server"/>.</summary>
    public static Dictionary<string, string?> SmtpSettings(SmtpTestServer server) => new()
    {
        ["Channels:Email:Host"] = "127.0.0.1",
        ["Channels:Email:Port"] = server.Port.ToString(CultureInfo.InvariantCulture),
        ["Channels:Email:Security"] = "None",
        ["Channels:Email:FromAddress"] = "news@shop.example",
        ["Channels:Email:FromName"] = "Shop News",
        ["Channels:Email:PublicBaseUrl"] = "https://bulk.shop.example/",
    };

    public static MimeMessage Parse(SmtpMessage message) =>
        MimeMessage.Load(new MemoryStream(System.Text.Encoding.Latin1.GetBytes(message.Data)));

    [Fact]
    public async Task Each_recipient_gets_a_personalized_subject_and_both_parts_with_the_link()
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 3);
        await using (var db = host.NewDbContext())
            await db.Contacts.Where(c => c.Id == ids[0]).ExecuteUpdateAsync(s => s.SetProperty(c => c.Name, "<b>Zed</b> Evil"));
        var compose = CoreHost.Compose(ChannelKind.Email, ids, title: "Sale for {{ first_name }}");
        compose.Content = "# Spring sale\n\nHi **{{ first_name }}**,\nsee [the sale](https://shop.example/sale) and:\n\n- shoes\n- bags";

        await host.SendAsync(compose);
        await host.RunEnqueuedAsync();

        smtp.Messages.Count.ShouldBe(3);
        await using var read = host.NewDbContext();
        var contacts = await read.Contacts.Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Address);
        foreach (var mail in smtp.Messages.Select(Parse))
        {
            var first = contacts[mail.To.Mailboxes.Single().Address].Name.Split(' ')[0];
            mail.Subject.ShouldBe($"Sale for {first}");
            mail.TextBody!.ShouldStartWith($"Spring sale\n\nHi {first},\nsee the sale (https://shop.example/sale) and:\n\n- shoes\n- bags");
            mail.HtmlBody!.ShouldContain("<h1>Spring sale</h1>");
            mail.HtmlBody!.ShouldContain($"Hi <strong>{System.Net.WebUtility.HtmlEncode(first)}</strong>,<br>");
            mail.HtmlBody!.ShouldContain("<a href=\"https://shop.example/sale\">the sale</a>");
            mail.HtmlBody!.ShouldContain("<li>shoes</li>");
        }
        var evil = smtp.Messages.Select(Parse).Single(m => m.Subject == "Sale for <b>Zed</b>");
        evil.HtmlBody!.ShouldContain("Hi <strong>&lt;b&gt;Zed&lt;/b&gt;</strong>");
        evil.HtmlBody!.ShouldNotContain("<b>Zed");
    }

    [Fact]
    public async Task A_test_send_arrives_by_smtp_with_the_contacts_greeting_and_is_no_send()
    {
        var id = (await host.ActiveContactIdsAsync(ChannelKind.Email, 1)).Single();
        await using var db = host.NewDbContext();
        var contact = await db.Contacts.SingleAsync(c => c.Id == id);
        var model = new TestSendModel
        {
            Title = "For {{ first_name }}",
            Content = "Hi **{{ first_name }}**, [see it](https://shop.example/sale)",
            Channel = ChannelKind.Email,
            ContactId = id,
        };

        var outcome = await host.Services.GetRequiredService<TestSends>().SendAsync(model, new Actor("u", "op"), CancellationToken.None);

        outcome.Status.ShouldBe(TestSendStatus.Sent, outcome.Summary);
        var first = contact.Name.Split(' ')[0];
        var mail = Parse(smtp.Messages.ShouldHaveSingleItem());
        mail.MessageId.ShouldBe(outcome.Result!.ProviderMessageId);
        mail.To.Mailboxes.Single().Address.ShouldBe(contact.Address);
        mail.Subject.ShouldBe($"For {first}");
        mail.TextBody!.ShouldStartWith($"Hi {first}, see it (https://shop.example/sale)");
        mail.HtmlBody!.ShouldContain($"Hi <strong>{System.Net.WebUtility.HtmlEncode(first)}</strong>");
        (await db.Deliveries.CountAsync()).ShouldBe(0);
        (await db.Messages.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task A_test_send_carries_the_composes_image_inline_under_the_markdown()
    {
        var upload = await host.Services.GetRequiredService<AttachmentStore>()
            .SaveAsync(AttachmentRulesTests.Png, "sale.png", new Actor("u", "op"), CancellationToken.None);
        var model = new TestSendModel
        {
            Title = "Sale",
            Content = "**Look**",
            Channel = ChannelKind.Email,
            AttachmentId = upload.Attachment!.Id,
            Address = "me@example.org",
        };

        var outcome = await host.Services.GetRequiredService<TestSends>().SendAsync(model, new Actor("u", "op"), CancellationToken.None);

        outcome.Status.ShouldBe(TestSendStatus.Sent, outcome.Summary);
        var mail = Parse(smtp.Messages.ShouldHaveSingleItem());
        var image = mail.BodyParts.OfType<MimePart>().Single(p => p.ContentType.MimeType == "image/png");
        mail.HtmlBody!.ShouldContain("<strong>Look</strong>");
        mail.HtmlBody!.ShouldContain($"<img src=\"cid:{image.ContentId}\" alt=\"sale.png\">");
    }
}
