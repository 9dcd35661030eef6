using System.Globalization;
using System.Text.RegularExpressions;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

[Collection(AppCollection.Name)]
[NoCspViolations]
public sealed class SelectAndSendBrowserTests(AppFixture app, BrowserFixture browser)
{
    [Fact]
    public async Task Operator_picks_250_contacts_over_ten_pages_composes_sends_and_watches_it_finish_without_reloading()
    {
        await CapContacts.EnsureAsync(app);
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        await page.GotoAsync("/contacts");
        await page.WaitForInteractiveAsync();
        await page.GetByTestId("search").FillAsync(CapContacts.Prefix);
        await Expect(page.Locator("td", new() { HasText = $"{CapContacts.Prefix} 0001" })).ToBeVisibleAsync();

        for (var p = 1; p <= 10; p++)
        {
            await page.GetByTestId("select-page").ClickAsync();
            await Expect(page.GetByTestId("selection-count")).ToHaveTextAsync((25 * p).ToString("N0", CultureInfo.CurrentCulture));
            if (p < 10)
            {
                await page.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
                await Expect(page.Locator("td", new() { HasText = $"{CapContacts.Prefix} {25 * p + 1:D4}" })).ToBeVisibleAsync();
            }
        }
        await Expect(page.GetByTestId("selection-summary")).ToHaveTextAsync("250 selected • 3 batches • Max 2000");

        await page.GetByTestId("send-selected").ClickAsync();
        await Expect(page.GetByTestId("recipient-count")).ToContainTextAsync("250 recipients • 3 batches");
        await page.Locator("input[data-testid=title]").FillAsync("Two hundred and fifty");
        await page.Locator("textarea[data-testid=content]").FillAsync("Hello from the contacts page.");
        await page.GetByTestId("submit").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex(@"/messages/\d+$"));
        await Expect(page.GetByTestId("progress-percent")).ToHaveTextAsync("100%", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("summary"))
            .ToContainTextAsync(new Regex(@"^Sent to \d+ recipients\. \d+ failed\..* Processed in 3 batches\.$"));
        await Expect(page.GetByTestId("stat-processed-value")).ToHaveTextAsync("250 / 250");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("message-sent.png") });
    }

    [Fact]
    public async Task Operator_filters_failures_by_type_retries_the_selected_ones_and_sees_the_counts_change_without_reloading()
    {
        int messageId;
        await using (var db = app.NewDbContext())
            (messageId, _) = await FinishedSendBuilder.CreateAsync(db, 4,
                ErrorType.Network, ErrorType.Network, ErrorType.Network, ErrorType.RateLimit, ErrorType.RateLimit, ErrorType.InvalidRecipient);
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        await page.GotoAsync($"/messages/{messageId}");
        await page.WaitForInteractiveAsync();

        await page.GetByTestId("view-failed").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByTestId("count-failed")).ToHaveTextAsync("6 failed");
        await Expect(dialog.GetByTestId("count-retryable")).ToHaveTextAsync("5 retryable");

        await dialog.GetByTestId("type-network").ClickAsync();
        var rows = dialog.Locator("[data-testid=failed-table] tbody tr");
        await Expect(rows).ToHaveCountAsync(3);
        for (var i = 0; i < 3; i++)
            await rows.Nth(i).Locator("input[type=checkbox]").CheckAsync();
        await Expect(dialog.GetByTestId("retry-selected")).ToHaveTextAsync("Retry selected (3)");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("failed-recipients.png") });
        await dialog.GetByTestId("retry-selected").ClickAsync();

        await Expect(dialog.GetByTestId("count-sent")).Not.ToHaveTextAsync("4 sent", new() { Timeout = 30_000 });
        await Expect(dialog.GetByTestId("count-failed")).Not.ToHaveTextAsync("6 failed");
        await Expect(dialog.GetByTestId("retry-running")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        await Expect(dialog.GetByText("retries so far").Or(dialog.GetByText("retry so far")).First).ToContainTextAsync("1 retry so far");
    }
}
