using System.Globalization;
using System.Text.RegularExpressions;
using BulkSender.Core.Campaigns;
using BulkSender.Core.Channels;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

/// <summary>A daily-limited campaign started from Compose, in Chromium against the real app.</summary>
[Collection(AppCollection.Name)]
[NoCspViolations]
public sealed class CampaignBrowserTests(AppFixture app, BrowserFixture browser)
{
    [Fact]
    public async Task Operator_starts_a_campaign_and_sees_its_first_batch_and_the_next_batch_time()
    {
        string tag;
        await using (var db = app.NewDbContext())
            tag = await db.ContactTags.Where(t => db.Contacts.Any(c => c.Id == t.ContactId && c.Channel == ChannelKind.Messenger && !c.OptedOut))
                .GroupBy(t => t.Tag).Select(g => new { g.Key, Count = g.Count() }).Where(g => g.Count > 3)
                .OrderByDescending(g => g.Count).Select(g => g.Key).FirstAsync();
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Compose" }).ClickAsync();
        await Expect(page.GetByTestId("recipient-count")).ToContainTextAsync("recipients");
        await page.Locator("input[data-testid=title]").FillAsync("Three a day");
        await page.Locator("textarea[data-testid=content]").FillAsync("A little at a time.");
        await page.GetByText("Messenger contacts with a tag").ClickAsync();
        await page.Locator("input[data-testid=audience-tag]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex($"^{tag} \\(") }).ClickAsync();

        await page.GetByText("Daily-limited campaign").ClickAsync();
        await page.Locator("input[data-testid=daily-limit]").FillAsync("3");
        await page.Locator("input[data-testid=daily-limit]").BlurAsync();
        await Expect(page.GetByTestId("submit")).ToHaveTextAsync("Start campaign");
        await page.GetByTestId("submit").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex(@"/messages/\d+$"));
        await Expect(page.GetByTestId("campaign-status")).ToHaveTextAsync("Active");
        await Expect(page.GetByTestId("campaign-limit")).ToHaveTextAsync("3 per day");
        var days = page.GetByTestId("campaign-days");
        await Expect(days.Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(days.Locator("tbody tr td[data-label=Recipients]")).ToHaveTextAsync("3");
        // The app's simulated channel fails a few recipients on purpose: the batch ends, whatever each recipient's outcome.
        await Expect(days.Locator("tbody tr td[data-label=Status]")).ToHaveTextAsync("Completed", new() { Timeout = 30_000 });
        var sent = int.Parse(await days.Locator("tbody tr td[data-label=Sent]").TextContentAsync() ?? "", CultureInfo.InvariantCulture);
        var failed = int.Parse(await days.Locator("tbody tr td[data-label=Failed]").TextContentAsync() ?? "", CultureInfo.InvariantCulture);
        (sent + failed).ShouldBe(3);

        Campaign campaign;
        await using (var db = app.NewDbContext())
            campaign = await db.Campaigns.AsNoTracking().Where(c => c.Message!.Title == "Three a day").OrderByDescending(c => c.Id).FirstAsync();
        campaign.NextBatchAt.ShouldNotBeNull();
        campaign.NextBatchAt.Value.ShouldBe(campaign.StartAt.AddHours(24), TimeSpan.FromMinutes(1));
        await Expect(page.GetByTestId("campaign-next"))
            .ToContainTextAsync(campaign.NextBatchAt.Value.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC");

        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Campaigns" }).ClickAsync();
        var row = page.GetByTestId("campaigns").Locator("tbody tr").Filter(new() { HasText = "Three a day" });
        await Expect(row.Locator("td[data-label=\"Per day\"]")).ToHaveTextAsync("3");
        await Expect(row.Locator("td[data-label=\"Next batch\"]"))
            .ToHaveTextAsync(campaign.NextBatchAt.Value.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
    }
}
