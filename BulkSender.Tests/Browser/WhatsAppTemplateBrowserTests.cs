using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Contacts;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Templates;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

/// <summary>
/// A WhatsApp template send in Chromium against the real app and a Cloud API on 127.0.0.1: pick the template, map
/// <c>{{1}}</c> to the first name, read the preview, send to 20 contacts; then a 131048 reply pauses the channel.
/// </summary>
[Collection(AppCollection.Name)]
[NoCspViolations]
public sealed class WhatsAppTemplateBrowserTests(AppFixture app, BrowserFixture browser)
{
    private const string Tag = "winter-browser";
    private const string TemplateName = "browser_winter";

    private ChannelSettingsStore Store => app.Services.GetRequiredService<ChannelSettingsStore>();

    /// <summary>20 active WhatsApp contacts with 20 different first names, tagged for this test; by contact id.</summary>
    private async Task<List<Contact>> TwentyContactsAsync()
    {
        await using var db = app.NewDbContext();
        var contacts = (await db.Contacts.Where(c => c.Channel == ChannelKind.WhatsApp && !c.OptedOut).OrderBy(c => c.Id).ToListAsync())
            .DistinctBy(c => c.Name.Split(' ')[0]).Take(20).ToList();
        contacts.Count.ShouldBe(20, "the demo data has 26 first names");
        db.ContactTags.AddRange(contacts.Select(c => new ContactTag { ContactId = c.Id, Tag = Tag }));
        db.WhatsAppTemplates.Add(new WhatsAppTemplate
        {
            Name = TemplateName, Language = "en_US", Category = "MARKETING", Status = TemplateStatuses.Approved,
            Components = """[{"type":"BODY","text":"Hi {{1}}, our winter sale starts today."}]""",
            SyncedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
        });
        await db.SaveChangesAsync();
        return contacts;
    }

    private static List<JsonElement> TemplateSends(ProviderServer cloudApi) =>
        cloudApi.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/messages", StringComparison.Ordinal))
            .Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();

    /// <summary>Picks an item of a MudSelect and waits until the select shows it.</summary>
    private static async Task PickAsync(IPage page, string testId, string item)
    {
        // An input while empty, the chosen item's text once it has a value.
        var select = page.Locator($"[data-testid={testId}]").First;
        await select.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex($"^{Regex.Escape(item)}$") }).ClickAsync();
        await Expect(select).ToHaveTextAsync(item);
    }

    [Fact]
    public async Task An_operator_maps_the_first_name_previews_sends_20_template_requests_and_a_131048_reply_pauses_the_channel()
    {
        await using var cloudApi = await ProviderServer.StartAsync();
        cloudApi.ServeCloudApi();
        await Store.SaveAsync(new ChannelSettingsInput(ChannelKind.WhatsApp, new Dictionary<string, string?>
        {
            ["BaseUrl"] = cloudApi.BaseAddress.ToString(), ["PhoneNumberId"] = "106540352242922", ["AccessToken"] = "EAAJ-template-browser",
        }, []), Actor.System, CancellationToken.None);
        int? pausedMessage = null;
        using var api = await app.NewOperatorClientAsync();
        try
        {
            var contacts = await TwentyContactsAsync();
            var page = await browser.NewPageAsync(app.BaseAddress, height: 1600);
            await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
            await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Compose" }).ClickAsync();
            await Expect(page.GetByTestId("recipient-count")).ToContainTextAsync("recipients");
            await page.Locator("input[data-testid=title]").FillAsync("Winter sale");
            await page.GetByTestId("channel").GetByText("WhatsApp", new() { Exact = true }).ClickAsync();
            await Expect(page.GetByTestId("whatsapp-section")).ToBeVisibleAsync();

            await page.GetByTestId("audience").GetByText("WhatsApp contacts with a tag").ClickAsync();
            await page.Locator("input[data-testid=audience-tag]").ClickAsync();
            await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex($"^{Tag} \\(") }).ClickAsync();
            await Expect(page.GetByTestId("recipient-count")).ToContainTextAsync("20 recipients • 1 batch");

            await PickAsync(page, "template-picker", $"{TemplateName} (en_US, marketing)");
            await PickAsync(page, "parameter-1", "First name");

            var previews = page.GetByTestId("template-preview");
            await Expect(previews).ToHaveCountAsync(5);
            var firstName = contacts[0].Name.Split(' ')[0];
            await Expect(previews.First).ToContainTextAsync($"Hi {firstName}, our winter sale starts today.");
            await page.GetByTestId("whatsapp-section").ScreenshotAsync(new() { Path = Screenshots.PathFor("whatsapp-template.png") });

            await page.GetByTestId("submit").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(@"/messages/\d+$"));
            await Waiting.UntilAsync(() => TemplateSends(cloudApi).Count >= 20, "20 template requests at the Cloud API",
                TimeSpan.FromSeconds(30));
            await Expect(page.GetByTestId("progress-percent")).ToHaveTextAsync("100%", new() { Timeout = 30_000 });

            var sends = TemplateSends(cloudApi);
            sends.Count.ShouldBe(20);
            sends.ShouldAllBe(s => s.GetProperty("type").GetString() == "template"
                && s.GetProperty("template").GetProperty("name").GetString() == TemplateName);
            sends.Select(s => s.GetProperty("to").GetString()).ShouldBe(contacts.Select(c => c.Address.TrimStart('+')), ignoreOrder: true);
            var names = sends.Select(s => s.GetProperty("template").GetProperty("components")[0].GetProperty("parameters")[0]
                .GetProperty("text").GetString()).ToList();
            names.ShouldBe(contacts.Select(c => c.Name.Split(' ')[0]), ignoreOrder: true);
            names.Distinct().Count().ShouldBe(20);

            // The number is restricted: the next send's first reply pauses WhatsApp, and nothing fails.
            cloudApi.AnswerJson(400, ProviderServer.CloudApiError(131048, "Spam rate limit hit",
                "Message failed to send because there are restrictions on how many messages can be sent from this phone number."));
            var created = await api.PostAsJsonAsync("/api/messages", new
            {
                title = "Winter sale, again", channel = "whatsapp", audience = "tag", audience_tag = Tag, when = "now",
                whatsapp_template = new { name = TemplateName, language = "en_US", parameters = new object[] { new { field = "first_name" } } },
            });
            created.EnsureSuccessStatusCode();
            pausedMessage = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
            await page.GotoAsync($"/messages/{pausedMessage}");
            await page.WaitForInteractiveAsync();

            var banner = page.GetByTestId("channel-paused");
            await Expect(banner).ToContainTextAsync("WhatsApp paused: the phone number is restricted (spam rate limit)", new() { Timeout = 30_000 });
            await page.GotoAsync("/");
            await Expect(page.GetByTestId("channel-paused")).ToContainTextAsync("WhatsApp paused");
            await using var db = app.NewDbContext();
            (await db.Deliveries.CountAsync(d => d.MessageId == pausedMessage && d.Status == DeliveryStatus.Failed))
                .ShouldBe(0, "a pausing error fails nobody");
        }
        finally
        {
            if (pausedMessage is { } id)
            {
                await api.PostAsync($"/api/messages/{id}/cancel", null);
                // Calls of the paused send already past the gate wait out the 131048's rate-limit back-off; the channel is
                // resumed below, so they then go to the Cloud API the settings name: they end here, against this test's
                // server, not in the next test's.
                await Waiting.UntilAsync(() =>
                {
                    using var db = app.NewDbContext();
                    return !db.Batches.Any(b => b.MessageId == id && b.Status == BatchStatus.Processing);
                }, "the paused send's batch ended", TimeSpan.FromSeconds(30));
            }
            await app.Services.GetRequiredService<ChannelResume>().ResumeAsync(ChannelKind.WhatsApp, Actor.System, CancellationToken.None);
            var cleared = new Dictionary<string, string?> { ["BaseUrl"] = "", ["PhoneNumberId"] = "" };
            await Store.SaveAsync(new ChannelSettingsInput(ChannelKind.WhatsApp, cleared, ["AccessToken"]), Actor.System, CancellationToken.None);
            await using var db = app.NewDbContext();
            await db.ContactTags.Where(t => t.Tag == Tag).ExecuteDeleteAsync();
            await db.WhatsAppTemplates.Where(t => t.Name == TemplateName).ExecuteDeleteAsync();
        }
    }
}
