using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BulkSender.Core.Data;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

/// <summary>
/// The whole product as someone new to it meets it: the app as the README starts it (its own process, a fresh
/// database, the demo data, the default simulated channel), logged in with the README's credentials, one scenario
/// from import to the Hangfire dashboard. Its screenshots are the README's tour.
/// </summary>
[Collection(AppCollection.Name)]
[NoCspViolations]
public sealed partial class NewUserWalkBrowserTests(BrowserFixture browser)
{
    private const string Tag = "walk-tour";
    private const int Imported = 260;

    [Fact]
    public async Task A_new_user_imports_picks_250_over_pages_sends_watches_retries_a_failure_type_starts_a_campaign_and_opens_hangfire()
    {
        var (admin, operatorLogin) = ReadmeLogins();
        var dir = RepoPaths.NewTempDirectory("walk");
        var database = Path.Combine(dir, "bulksender.db");
        await using var app = AppProcess.Start(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Sqlite"] = $"Data Source={database}",
        });
        var baseAddress = await app.ListeningAsync(TimeSpan.FromSeconds(120));
        var page = await browser.NewPageAsync(baseAddress);

        // 1. Log in as the operator the README names; a fresh install has contacts and nothing sent.
        await page.LoginAsync(operatorLogin.Email, operatorLogin.Password);
        await Expect(page.GetByTestId("current-user")).ToHaveTextAsync(operatorLogin.Email);
        await Expect(page.GetByTestId("stat-contacts-value")).ToContainTextAsync(new Regex(@"^4,\d{3}$"));
        await Expect(page.GetByText("No messages sent yet")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("in-flight-empty")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("tour-1-dashboard.png") });

        // 2. Import a CSV: a preview first, the bad rows named with their line and reason, then the import.
        var csv = Path.Combine(dir, "walk.csv");
        await File.WriteAllTextAsync(csv, Csv());
        await Menu(page, "Contacts").ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Import CSV" }).ClickAsync();
        await page.WaitForInteractiveAsync();
        await page.Locator("input[type=file]").ChooseFileAsync(csv);
        await Expect(page.GetByTestId("import-counts")).ToContainTextAsync($"{Imported} to add");
        await Expect(page.GetByTestId("import-counts")).ToContainTextAsync("2 rejected");
        await Expect(page.GetByTestId("rejected-rows")).ToContainTextAsync("'walker-at-example.com' is not a valid e-mail address");
        await page.GetByTestId("import-button").ClickAsync();
        await Expect(page.GetByTestId("import-result")).ToContainTextAsync($"{Imported} added, 0 updated, 2 rejected");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("tour-2-import.png") });

        // 3. Pick 250 of them over five pages of 50.
        await Menu(page, "Contacts").ClickAsync();
        await page.WaitForInteractiveAsync();
        await page.Locator("input[data-testid=tag-filter]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex($"^{Tag} \\({Imported}\\)$") }).ClickAsync();
        await Expect(page.GetByTestId("contacts-grid")).ToContainTextAsync($"1-25 of {Imported}");
        await page.Locator(".mud-table-pagination-select").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex("^50$") }).ClickAsync();
        await Expect(page.GetByTestId("contacts-grid")).ToContainTextAsync($"1-50 of {Imported}");
        for (var p = 1; p <= 5; p++)
        {
            await page.GetByTestId("select-page").ClickAsync();
            await Expect(page.GetByTestId("selection-count")).ToHaveTextAsync((50 * p).ToString("N0", CultureInfo.InvariantCulture));
            if (p < 5)
            {
                await page.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
                await Expect(page.GetByTestId("contacts-grid")).ToContainTextAsync($"{50 * p + 1}-{50 * p + 50} of {Imported}");
            }
        }
        await Expect(page.GetByTestId("selection-summary")).ToHaveTextAsync("250 selected • 3 batches • Max 2000");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("tour-3-selection.png") });

        // 4. Compose and send; watch it to the end without reloading.
        await page.GetByTestId("send-selected").ClickAsync();
        await Expect(page.GetByTestId("recipient-count")).ToContainTextAsync("250 recipients • 3 batches");
        await page.Locator("input[data-testid=title]").FillAsync("Winter opening hours");
        await page.Locator("textarea[data-testid=content]").FillAsync("We open at 10 from December. See you soon!");
        await page.GetByTestId("submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/messages/\d+$"));
        var messageId = int.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);
        await page.EvaluateAsync("() => window.sameDocument = true");
        await Expect(page.GetByTestId("progress-percent")).ToHaveTextAsync(new Regex(@"^([1-9]|[1-9]\d|100)%$"), new() { Timeout = 60_000 });
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("tour-4-sending.png") });
        await Expect(page.GetByTestId("progress-percent")).ToHaveTextAsync("100%", new() { Timeout = 120_000 });
        await Expect(page.GetByTestId("summary"))
            .ToContainTextAsync(new Regex(@"^Sent to \d+ recipients\. [1-9]\d* failed\..* Processed in 3 batches\.$"));
        await Expect(page.GetByTestId("stat-processed-value")).ToHaveTextAsync("250 / 250");
        (await page.EvaluateAsync<bool>("() => window.sameDocument === true")).ShouldBeTrue("the page followed the send by itself");

        // 5. Open the failures and retry one error type.
        await page.GetByTestId("view-failed").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByTestId("count-retryable")).ToHaveTextAsync(new Regex(@"^[1-9]\d* retryable$"));
        var (type, chip) = await FirstRetryableTypeAsync(dialog);
        await chip.ClickAsync();
        var retryTypes = dialog.GetByTestId("retry-types");
        await Expect(retryTypes).ToHaveTextAsync(new Regex($@"^\s*Retry {ErrorTypes.Label(type).ToLowerInvariant()} failures \([1-9]\d*\)\s*$"));
        var retried = int.Parse(RetryCount().Match(await retryTypes.TextContentAsync() ?? "").Groups[1].Value, CultureInfo.InvariantCulture);
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("tour-5-failures.png") });
        await retryTypes.ClickAsync();
        await Expect(dialog.GetByText("1 retry so far")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(dialog.GetByTestId("retry-running")).ToHaveCountAsync(0, new() { Timeout = 60_000 });
        await using (var db = new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite($"Data Source={database}").Options))
        {
            var secondAttempts = await db.Deliveries.Where(d => d.MessageId == messageId && d.AttemptNumber == 2).ToListAsync();
            secondAttempts.Count.ShouldBe(retried, $"every retryable {ErrorTypes.Name(type)} recipient got a second attempt, and no one else");
            var firstOfThem = await db.Deliveries.Where(d => d.MessageId == messageId && d.AttemptNumber == 1 && d.ErrorType == type
                && secondAttempts.Select(s => s.ContactId).Contains(d.ContactId)).CountAsync();
            firstOfThem.ShouldBe(retried);
        }
        await dialog.Locator(".mud-dialog-actions").GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);

        // 6. A daily-limited campaign to the imported tag: the first 100 now, the next 100 in 24 hours.
        await Menu(page, "Compose").ClickAsync();
        await page.WaitForInteractiveAsync();
        await page.Locator("input[data-testid=title]").FillAsync("Winter tips, a few a day");
        await page.Locator("textarea[data-testid=content]").FillAsync("Tip 1: come early.");
        await page.GetByTestId("channel").GetByText("Email").ClickAsync();
        await page.GetByText("Email contacts with a tag").ClickAsync();
        await page.Locator("input[data-testid=audience-tag]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex($"^{Tag} \\(") }).ClickAsync();
        await Expect(page.GetByTestId("recipient-count")).ToContainTextAsync($"{Imported} recipients");
        await page.GetByText("Daily-limited campaign").ClickAsync();
        await page.Locator("input[data-testid=daily-limit]").FillAsync("100");
        await page.Locator("input[data-testid=daily-limit]").BlurAsync();
        await Expect(page.GetByTestId("submit")).ToHaveTextAsync("Start campaign");
        await page.GetByTestId("submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/messages/\d+$"));
        await Expect(page.GetByTestId("campaign-status")).ToHaveTextAsync("Active");
        await Expect(page.GetByTestId("campaign-limit")).ToHaveTextAsync("100 per day");
        var days = page.GetByTestId("campaign-days");
        await Expect(days.Locator("tbody tr td[data-label=Recipients]")).ToHaveTextAsync("100");
        await Expect(days.Locator("tbody tr td[data-label=Status]")).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("message-status")).ToHaveTextAsync("Campaign Active");
        await Expect(page.GetByTestId("campaign-next")).ToContainTextAsync(DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd",
            CultureInfo.InvariantCulture));
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("tour-6-campaign.png") });

        // 7. The operator's activity tells the story so far.
        await Menu(page, "Activity").ClickAsync();
        var activity = page.GetByTestId("activity-grid");
        foreach (var step in new[] { "Imported contacts", "Sent a message", "Retried failed recipients", "Started a campaign" })
            await Expect(activity).ToContainTextAsync(step);

        // 8. As the admin: the dashboard has numbers now, and the Hangfire dashboard shows the recurring jobs.
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await page.LoginAsync(admin.Email, admin.Password);
        await Expect(page.GetByTestId("today-sent")).Not.ToHaveTextAsync("0");
        await Expect(page.GetByTestId("sends-chart-empty")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("upcoming")).ToContainTextAsync("Winter tips, a few a day");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("tour-7-dashboard.png") });
        var jobs = await page.RunAndWaitForPopupAsync(() => Menu(page, "Hangfire").ClickAsync());
        await Expect(jobs).ToHaveTitleAsync(new Regex("BulkSender jobs"));
        await jobs.GetByRole(AriaRole.Link, new() { Name = "Recurring Jobs" }).ClickAsync();
        await Expect(jobs.Locator("table")).ToContainTextAsync("retry-failed");
        await Expect(jobs.Locator("table")).ToContainTextAsync("*/15 * * * *");
        await jobs.ScreenshotAsync(new() { Path = Screenshots.PathFor("tour-8-hangfire.png") });
    }

    /// <summary>A link of the side menu (pages may have breadcrumbs with the same names).</summary>
    private static ILocator Menu(IPage page, string name) =>
        page.GetByRole(AriaRole.Complementary).GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    /// <summary>The first error-type chip whose failures may be retried (invalid recipients never are).</summary>
    private static async Task<(ErrorType Type, ILocator Chip)> FirstRetryableTypeAsync(ILocator dialog)
    {
        foreach (var type in Enum.GetValues<ErrorType>().Where(t => t != ErrorType.InvalidRecipient))
        {
            var chip = dialog.GetByTestId($"type-{ErrorTypes.Name(type)}");
            if (await chip.CountAsync() == 1)
                return (type, chip);
        }
        throw new InvalidOperationException("No retryable error type among the failures.");
    }

    /// <summary>The two logins from the README's table, as a new user reads them.</summary>
    private static ((string Email, string Password) Admin, (string Email, string Password) Operator) ReadmeLogins()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        (string, string) Row(string role)
        {
            var match = Regex.Match(readme, $@"^\|\s*{role}\s*\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|", RegexOptions.Multiline);
            match.Success.ShouldBeTrue($"the README's login table has a {role} row");
            return (match.Groups[1].Value, match.Groups[2].Value);
        }
        return (Row("Admin"), Row("Operator"));
    }

    private static string Csv()
    {
        var csv = new StringBuilder("name,address,channel,tags\n");
        for (var i = 1; i <= Imported; i++)
            csv.Append(CultureInfo.InvariantCulture, $"Walker {i:D3},walker{i:D3}@walk.example.com,email,{Tag}\n");
        csv.Append("Walker Bad,walker-at-example.com,email,walk-tour\n");
        csv.Append("Walker Nowhere,walker@example.com,pigeon,walk-tour\n");
        return csv.ToString();
    }

    [GeneratedRegex(@"\((\d+)\)")]
    private static partial Regex RetryCount();
}
