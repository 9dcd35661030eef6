using System.Globalization;
using System.Text.RegularExpressions;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Contacts;
using BulkSender.Tests.Core.Attachments;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

/// <summary>
/// Personalization and an attachment in Chromium against the real app and an SMTP server on 127.0.0.1: the operator
/// writes "Hi {{ first_name }}", reads the preview, attaches a PNG and sends to 30 e-mail contacts; the server
/// receives 30 mails with 30 different greetings, each with the image.
/// </summary>
[Collection(AppCollection.Name)]
[NoCspViolations]
public sealed class PersonalizedEmailBrowserTests(AppFixture app, BrowserFixture browser)
{
    private const string Tag = "greetings-browser";

    private ChannelSettingsStore Store => app.Services.GetRequiredService<ChannelSettingsStore>();

    private static string Guest(int i) => "Guest" + i.ToString("00", CultureInfo.InvariantCulture);

    /// <summary>30 active e-mail contacts, tagged for this test, each with their own first name (Guest00…); their names before.</summary>
    private async Task<(List<Contact> Contacts, Dictionary<int, string> Names)> ThirtyContactsAsync()
    {
        await using var db = app.NewDbContext();
        var contacts = await db.Contacts.Where(c => c.Channel == ChannelKind.Email && !c.OptedOut).OrderBy(c => c.Id).Take(30).ToListAsync();
        var names = contacts.ToDictionary(c => c.Id, c => c.Name);
        foreach (var (contact, i) in contacts.Select((c, i) => (c, i)))
            contact.Name = $"{Guest(i)} {contact.Name.Split(' ').Last()}";
        db.ContactTags.AddRange(contacts.Select(c => new ContactTag { ContactId = c.Id, Tag = Tag }));
        await db.SaveChangesAsync();
        return (contacts, names);
    }

    [Fact]
    public async Task An_operator_previews_Hi_first_name_attaches_a_png_and_30_contacts_get_30_greetings_with_the_image()
    {
        await using var smtp = new SmtpTestServer();
        await Store.SaveAsync(new ChannelSettingsInput(ChannelKind.Email, new Dictionary<string, string?>
        {
            ["Host"] = "127.0.0.1", ["Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture), ["Security"] = "None",
            ["FromAddress"] = "news@shop.example", ["FromName"] = "Shop", ["PublicBaseUrl"] = app.BaseAddress.ToString(),
        }, []), Actor.System, CancellationToken.None);
        var png = Path.Combine(RepoPaths.NewTempDirectory("png"), "sale.png");
        await File.WriteAllBytesAsync(png, AttachmentRulesTests.Png);
        Dictionary<int, string> names = [];
        try
        {
            (var contacts, names) = await ThirtyContactsAsync();
            var page = await browser.NewPageAsync(app.BaseAddress, height: 1800);
            await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
            await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Compose" }).ClickAsync();
            await Expect(page.GetByTestId("recipient-count")).ToContainTextAsync("recipients");
            await page.GetByTestId("channel").GetByText("Email", new() { Exact = true }).ClickAsync();
            await page.GetByTestId("audience").GetByText("Email contacts with a tag").ClickAsync();
            await page.Locator("input[data-testid=audience-tag]").ClickAsync();
            await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex($"^{Tag} \\(") }).ClickAsync();
            await Expect(page.GetByTestId("recipient-count")).ToContainTextAsync("30 recipients • 1 batch");

            await page.Locator("input[data-testid=title]").FillAsync("News for {{ first_name }}");
            await page.Locator("textarea[data-testid=content]").FillAsync("Hi {{ first_name }}, our spring sale starts today.");
            var previews = page.GetByTestId("preview-recipient");
            await Expect(previews).ToHaveCountAsync(5);
            await Expect(previews.First.GetByTestId("preview-content")).ToHaveTextAsync("Hi Guest00, our spring sale starts today.");
            await Expect(previews.First.GetByTestId("preview-title")).ToHaveTextAsync("News for Guest00");

            await page.Locator("[data-testid=attachment-section] input[type=file]").ChooseFileAsync(png);
            await Expect(page.GetByTestId("attachment-name")).ToContainTextAsync("sale.png");
            await Expect(page.GetByTestId("attachment-note")).ToContainTextAsync("the image is shown inline");
            await page.GetByTestId("personal-preview").ScreenshotAsync(new() { Path = Screenshots.PathFor("compose-personalized.png") });

            await page.GetByTestId("submit").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(@"/messages/\d+$"));
            await Waiting.UntilAsync(() => smtp.Messages.Count >= 30, "30 mails at the SMTP server", TimeSpan.FromSeconds(60));
            await Expect(page.GetByTestId("progress-percent")).ToHaveTextAsync("100%", new() { Timeout = 30_000 });
            await Expect(page.GetByTestId("message-attachment")).ToContainTextAsync("sale.png");

            var mails = smtp.Messages.Select(m => MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(m.Data)))).ToList();
            mails.Count.ShouldBe(30);
            mails.Select(m => m.To.Mailboxes.Single().Address).ShouldBe(contacts.Select(c => c.Address), ignoreOrder: true);
            var greetings = mails.Select(m => m.TextBody!.Trim().Split('\n')[0].Trim()).ToList();
            greetings.Distinct().Count().ShouldBe(30);
            greetings.ShouldBe(contacts.Select((_, i) => $"Hi {Guest(i)}, our spring sale starts today."), ignoreOrder: true);
            mails.Select(m => m.Subject).ShouldBe(contacts.Select((_, i) => $"News for {Guest(i)}"), ignoreOrder: true);
            foreach (var mail in mails)
            {
                var image = mail.BodyParts.OfType<MimePart>().Single(p => p.ContentType.MimeType == "image/png");
                using var bytes = new MemoryStream();
                await image.Content!.DecodeToAsync(bytes);
                bytes.ToArray().ShouldBe(AttachmentRulesTests.Png);
                mail.HtmlBody!.ShouldContain($"cid:{image.ContentId}");
            }
        }
        finally
        {
            var cleared = new Dictionary<string, string?>
            {
                ["Host"] = "", ["Port"] = "", ["Security"] = "", ["FromAddress"] = "", ["FromName"] = "", ["PublicBaseUrl"] = "",
            };
            await Store.SaveAsync(new ChannelSettingsInput(ChannelKind.Email, cleared, []), Actor.System, CancellationToken.None);
            await using var db = app.NewDbContext();
            await db.ContactTags.Where(t => t.Tag == Tag).ExecuteDeleteAsync();
            foreach (var (id, name) in names)
                await db.Contacts.Where(c => c.Id == id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Name, name));
        }
    }
}
