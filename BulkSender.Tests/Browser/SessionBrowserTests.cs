using System.Text.RegularExpressions;
using BulkSender.Core.Identity;
using BulkSender.Tests.TestSupport;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

[Collection(AppCollection.Name)]
[NoCspViolations]
public sealed class SessionBrowserTests(AppFixture app, BrowserFixture browser)
{
    [Fact]
    public async Task An_open_page_goes_to_the_login_form_as_soon_as_its_account_is_disabled()
    {
        var account = await app.NewAccountAsync(Roles.Operator);
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(account.Email, account.Password);
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Contacts" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/contacts$"));

        await app.ChangeUserAsync(a => a.SetDisabledAsync(account.Id, true, Accounts.Admin, CancellationToken.None));

        // Well within the circuit's 30-second check: the change is noticed in process, at once.
        await Expect(page).ToHaveURLAsync(new Regex("/account/login\\?returnUrl=%2Fcontacts$"), new() { Timeout = 10_000 });
        await Expect(page.Locator("#email")).ToBeVisibleAsync();
    }
}
