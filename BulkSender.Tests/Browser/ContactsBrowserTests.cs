using System.Text.RegularExpressions;
using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

[Collection(AppCollection.Name)]
[NoCspViolations]
public sealed class ContactsBrowserTests(AppFixture app, BrowserFixture browser)
{
    private const string CapPrefix = TestSupport.CapContacts.Prefix;
    private const int CapContacts = TestSupport.CapContacts.Count;

    private Task EnsureCapContactsAsync() => TestSupport.CapContacts.EnsureAsync(app);

    private static ILocator Summary(IPage page) => page.GetByTestId("selection-summary");

    private static ILocator PickBoxes(IPage page) => page.Locator("[data-testid^=pick-] input");

    [Fact]
    public async Task Selection_survives_paging_shows_count_and_batches_and_stops_at_2000()
    {
        await EnsureCapContactsAsync();
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        await page.GotoAsync("/contacts");
        await page.WaitForInteractiveAsync();

        await page.GetByTestId("search").FillAsync(CapPrefix);
        await Expect(page.Locator("td", new() { HasText = $"{CapPrefix} 0001" })).ToBeVisibleAsync();
        await Expect(PickBoxes(page)).ToHaveCountAsync(25);

        // Page 1: three picks.
        for (var i = 0; i < 3; i++)
            await PickBoxes(page).Nth(i).CheckAsync();
        await Expect(Summary(page)).ToHaveTextAsync("3 selected • 1 batch • Max 2000");

        // Page 2: two more.
        await page.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
        await Expect(page.Locator("td", new() { HasText = $"{CapPrefix} 0026" })).ToBeVisibleAsync();
        await PickBoxes(page).Nth(0).CheckAsync();
        await PickBoxes(page).Nth(1).CheckAsync();
        await Expect(Summary(page)).ToHaveTextAsync("5 selected • 1 batch • Max 2000");

        // Back on page 1 the first picks are still ticked.
        await page.GetByRole(AriaRole.Button, new() { Name = "Previous page" }).ClickAsync();
        await Expect(page.Locator("td", new() { HasText = $"{CapPrefix} 0001" })).ToBeVisibleAsync();
        await Expect(PickBoxes(page).Nth(0)).ToBeCheckedAsync();
        await Expect(PickBoxes(page).Nth(2)).ToBeCheckedAsync();
        await Expect(PickBoxes(page).Nth(3)).Not.ToBeCheckedAsync();

        // Select all matching fills up to the cap and says so.
        await page.GetByTestId("select-all-matching").ClickAsync();
        await Expect(Summary(page)).ToHaveTextAsync("2000 selected • 20 batches • Max 2000");
        await Expect(page.Locator(".mud-snackbar", new() { HasText = "Selection limit reached" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("contacts-selection.png") });

        // On the last page some matches are left out; picking one is refused.
        await page.GetByRole(AriaRole.Button, new() { Name = "Last page" }).ClickAsync();
        await Expect(page.Locator("td", new() { HasText = $"{CapPrefix} {CapContacts:D4}" })).ToBeVisibleAsync();
        var unpicked = page.Locator("[data-testid^=pick-] input:not(:checked)").First;
        await unpicked.ClickAsync();
        await Expect(page.Locator(".mud-snackbar",
            new() { HasText = "Selection limit reached — you can select up to 2,000 contacts at once" }).Last).ToBeVisibleAsync();
        await Expect(Summary(page)).ToHaveTextAsync("2000 selected • 20 batches • Max 2000");
        await Expect(page.GetByTestId("send-selected")).ToHaveTextAsync(new Regex("Send to 2,000 selected"));
    }

    [Fact]
    public async Task Importing_a_csv_previews_rejects_bad_rows_with_reasons_and_imports_the_rest()
    {
        var unique = Guid.NewGuid().ToString("N")[..6];
        var file = Path.Combine(RepoPaths.NewTempDirectory("csv"), "import.csv");
        await File.WriteAllTextAsync(file, $"""
            name,address,channel,tags
            Browser Ana,ana-{unique}@example.com,email,browser-import
            Browser Ben,+1415555{Random.Shared.Next(1000, 9999)},whatsapp,browser-import
            Browser Bad,not-an-address,email,
            """);
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        await page.GotoAsync("/contacts/import");
        await page.WaitForInteractiveAsync();
        await Expect(page.GetByText("Download the sample file")).ToBeVisibleAsync();

        await page.Locator("input[type=file]").ChooseFileAsync(file);

        await Expect(page.GetByTestId("import-counts")).ToContainTextAsync("2 to add");
        await Expect(page.GetByTestId("import-counts")).ToContainTextAsync("1 rejected");
        await Expect(page.GetByTestId("rejected-rows")).ToContainTextAsync("'not-an-address' is not a valid e-mail address");
        await Expect(page.GetByTestId("rejected-rows")).ToContainTextAsync("4");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("contacts-import.png") });

        await page.GetByTestId("import-button").ClickAsync();

        await Expect(page.GetByTestId("import-result")).ToContainTextAsync("2 added, 0 updated, 1 rejected");
        await using var db = app.NewDbContext();
        (await db.Contacts.CountAsync(c => c.Name.StartsWith("Browser ") && c.Tags.Any(t => t.Tag == "browser-import")
            && c.Address.Contains(unique))).ShouldBe(1);
    }

    [Fact]
    public async Task A_file_that_is_not_csv_shows_one_clear_error()
    {
        var file = Path.Combine(RepoPaths.NewTempDirectory("csv"), "picture.csv");
        await File.WriteAllBytesAsync(file, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00]);
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        await page.GotoAsync("/contacts/import");
        await page.WaitForInteractiveAsync();

        await page.Locator("input[type=file]").ChooseFileAsync(file);

        await Expect(page.GetByTestId("file-error")).ToContainTextAsync("This is not a CSV file");
        await Expect(page.GetByTestId("import-button")).ToHaveCountAsync(0);
    }
}
