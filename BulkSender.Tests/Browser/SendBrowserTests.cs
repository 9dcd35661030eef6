using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BulkSender.Core.Channels;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

/// <summary>Compose, send and watch, in Chromium against the real app (Messenger is limited to 20 messages/s there).</summary>
[Collection(AppCollection.Name)]
[NoCspViolations]
public sealed class SendBrowserTests(AppFixture app, BrowserFixture browser)
{
    private async Task<IPage> ComposeAsync(string title)
    {
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Compose" }).ClickAsync();
        await Expect(page.GetByTestId("recipient-count")).ToContainTextAsync("recipients");
        await page.Locator("input[data-testid=title]").FillAsync(title);
        await page.Locator("textarea[data-testid=content]").FillAsync("Doors open at 9. See you there!");
        return page;
    }

    [Fact]
    public async Task Operator_composes_a_send_to_a_tag_and_watches_it_reach_100_percent_and_its_summary_without_reloading()
    {
        string tag;
        int expected;
        await using (var db = app.NewDbContext())
        {
            var biggest = await db.ContactTags.Where(t => db.Contacts.Any(c => c.Id == t.ContactId
                && c.Channel == ChannelKind.Messenger && !c.OptedOut))
                .GroupBy(t => t.Tag).Select(g => new { g.Key, Count = g.Count() }).OrderByDescending(g => g.Count).FirstAsync();
            (tag, expected) = (biggest.Key, biggest.Count);
        }
        var page = await ComposeAsync("Event reminder");

        await page.GetByText("Messenger contacts with a tag").ClickAsync();
        await page.Locator("input[data-testid=audience-tag]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex($"^{tag} \\(") }).ClickAsync();
        await Expect(page.GetByTestId("recipient-count")).ToContainTextAsync($"{expected} recipients • 1 batch");
        await page.GetByTestId("submit").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex(@"/messages/\d+$"));
        await page.EvaluateAsync("() => window.sameDocument = true");
        await Expect(page.GetByTestId("progress-percent")).ToHaveTextAsync("100%", new() { Timeout = 60_000 });
        var summary = page.GetByTestId("summary");
        await Expect(summary).ToContainTextAsync(new Regex($@"^Sent to \d+ recipients\. \d+ failed\. Processed in 1 batch\.$"));
        await Expect(page.GetByTestId("message-status")).ToHaveTextAsync(new Regex("^(Sent|Partially sent)$"));
        await Expect(page.GetByTestId("stat-processed-value")).ToHaveTextAsync($"{expected} / {expected}");
        await Expect(page.Locator(".mud-snackbar").Filter(new() { HasText = "“Event reminder”:" }))
            .ToContainTextAsync($"“Event reminder”: {await summary.TextContentAsync()}");
        (await page.EvaluateAsync<bool>("() => window.sameDocument === true")).ShouldBeTrue("the page updated itself; it was never reloaded");

        await page.ReloadAsync();
        await page.WaitForInteractiveAsync();
        await Expect(page.GetByTestId("progress-percent")).ToHaveTextAsync("100%");
        await Expect(page.GetByTestId("summary")).ToContainTextAsync("Processed in 1 batch.");
    }

    [Fact]
    public async Task A_page_reloaded_in_the_middle_of_a_send_shows_where_it_is_and_goes_on_updating()
    {
        using var client = app.NewClient();
        client.UseBearer(await Login.BearerTokenAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword));
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        // All Messenger contacts at 20 a second: about five seconds of sending.
        var response = await client.PostAsJsonAsync("/api/messages",
            new { title = "Long one", content = "Hi", channel = "messenger", audience = "channel" });
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        await page.GotoAsync($"/messages/{id}");
        await page.WaitForInteractiveAsync();
        await Expect(page.GetByTestId("progress-percent")).ToHaveTextAsync(new Regex(@"^([1-9]|[1-9]\d)%$"), new() { Timeout = 30_000 });

        await page.ReloadAsync();

        await Expect(page.GetByTestId("progress-percent")).Not.ToHaveTextAsync("0%");
        await page.WaitForInteractiveAsync();
        await page.EvaluateAsync("() => window.sameDocument = true");
        await Expect(page.GetByTestId("progress-percent")).ToHaveTextAsync("100%", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("summary")).ToContainTextAsync("Processed in 1 batch.");
        (await page.EvaluateAsync<bool>("() => window.sameDocument === true")).ShouldBeTrue();
    }

    /// <summary>A send scheduled two days ahead (through the API), open on its message page.</summary>
    private async Task<(int Id, IPage Page)> OpenScheduledAsync(string title)
    {
        using var client = app.NewClient();
        client.UseBearer(await Login.BearerTokenAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword));
        var response = await client.PostAsJsonAsync("/api/messages", new
        {
            title, content = "Hi", channel = "messenger", audience = "channel", when = "at", scheduled_at = DateTime.UtcNow.AddDays(2),
        });
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        await page.GotoAsync($"/messages/{id}");
        await page.WaitForInteractiveAsync();
        return (id, page);
    }

    [Fact]
    public async Task Operator_edits_a_scheduled_send_before_its_time_and_it_opens_in_compose_as_a_draft()
    {
        var (id, page) = await OpenScheduledAsync("Not yet");
        await page.GetByTestId("edit-scheduled").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Edit", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex($@"/compose/{id}$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Edit draft" })).ToBeVisibleAsync();
        await Expect(page.Locator("input[data-testid=title]")).ToHaveValueAsync("Not yet");
    }

    [Fact]
    public async Task Operator_cancels_a_scheduled_send_after_confirming_and_sees_it_cancelled()
    {
        var (id, page) = await OpenScheduledAsync("Too early");
        await Expect(page.GetByTestId("message-status")).ToHaveTextAsync("Scheduled");

        await page.GetByTestId("cancel-send").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep sending" }).ClickAsync();
        await Expect(page.GetByTestId("message-status")).ToHaveTextAsync("Scheduled");
        await page.GetByTestId("cancel-send").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel send" }).ClickAsync();

        await Expect(page.GetByTestId("message-status")).ToHaveTextAsync("Cancelled");
        await Expect(page.GetByTestId("summary")).ToContainTextAsync(new Regex(@"^Cancelled\. Sent to 0 recipients\. 0 failed\. \d+ not sent\.$"));
        await Expect(page.GetByTestId("cancel-send")).ToHaveCountAsync(0);
        await using var db = app.NewDbContext();
        (await db.Deliveries.Where(d => d.MessageId == id).AllAsync(d =>
            d.Status == BulkSender.Core.Dispatch.DeliveryStatus.Cancelled)).ShouldBeTrue();
    }

    [Fact]
    public async Task The_messages_list_shows_sends_with_status_progress_and_counts_and_filters_them()
    {
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        using var client = app.NewClient();
        client.UseBearer(await Login.BearerTokenAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword));
        (await client.PostAsJsonAsync("/api/messages", new { title = "Listed draft", when = "draft", channel = "whatsapp", audience = "channel" }))
            .EnsureSuccessStatusCode();
        var sent = await client.PostAsJsonAsync("/api/messages",
            new { title = "Listed send", content = "Hi", channel = "email", audience = "tag", audience_tag = "vip" });
        var sentId = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();

        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Messages" }).ClickAsync();
        var rows = page.Locator("[data-testid=messages] tbody tr");
        var sentRow = rows.Filter(new() { HasText = "Listed send" });
        await Expect(sentRow).ToContainTextAsync("100%", new() { Timeout = 30_000 });
        await using var db = app.NewDbContext();
        var message = await db.Messages.SingleAsync(m => m.Id == sentId);
        await Expect(sentRow).ToContainTextAsync(new Regex(
            $"Listed send\\s*{(message.FailedCount > 0 ? "Partially sent" : "Sent")}.*{message.SentCount}\\s*{message.FailedCount}\\s*" +
            $"{(message.FailedCount > 0 ? "View failed & retry\\s*" : "")}Email\\s*{Regex.Escape(AppFixture.OperatorEmail)}\\s*" +
            $"\\d{{4}}-\\d\\d-\\d\\d \\d\\d:\\d\\d", RegexOptions.Singleline));
        await Expect(sentRow.GetByRole(AriaRole.Link, new() { Name = "Listed send" })).ToHaveAttributeAsync("href", $"/messages/{sentId}");
        await Expect(rows.Filter(new() { HasText = "Listed draft" })).ToContainTextAsync("Draft");
        await Expect(rows.Filter(new() { HasText = "Listed draft" })).ToContainTextAsync("WhatsApp");

        await page.Locator("input[data-testid=filter-status]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "Draft" }).ClickAsync();
        var drafts = await db.Messages.CountAsync(m => m.Status == BulkSender.Core.Messages.MessageStatus.Draft);
        await Expect(rows).ToHaveCountAsync(drafts);
        await Expect(rows.Filter(new() { HasText = "Listed draft" })).ToHaveCountAsync(1);
        foreach (var row in await rows.AllAsync())
            await Expect(row).ToContainTextAsync("Draft");
    }
}
