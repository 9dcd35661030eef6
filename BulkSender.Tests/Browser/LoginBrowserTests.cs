using System.Text.RegularExpressions;
using BulkSender.Tests.TestSupport;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

[Collection(AppCollection.Name)]
[NoCspViolations]
public sealed class LoginBrowserTests(AppFixture app, BrowserFixture browser)
{
    [Fact]
    public async Task Operator_logs_in_sees_the_dashboard_and_is_refused_the_hangfire_dashboard()
    {
        var page = await browser.NewPageAsync(app.BaseAddress);

        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));

        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("current-user")).ToHaveTextAsync(AppFixture.OperatorEmail);
        await Expect(page.GetByTestId("stat-contacts-value")).Not.ToHaveTextAsync("0");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Hangfire" })).ToHaveCountAsync(0);

        var hangfire = await page.GotoAsync("/hangfire");
        hangfire!.Status.ShouldBe(403);
        await Expect(page.GetByText("Access denied")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_wrong_password_keeps_the_user_on_the_login_page_with_an_error()
    {
        var page = await browser.NewPageAsync(app.BaseAddress);

        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", AppFixture.OperatorEmail);
        await page.FillAsync("#password", "wrong-password");
        await page.ClickAsync("button[type=submit]");

        await Expect(page.GetByTestId("login-error")).ToHaveTextAsync("Wrong e-mail or password.");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
    }

    [Fact]
    public async Task Admin_opens_the_hangfire_dashboard()
    {
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.AdminEmail, AppFixture.AdminPassword);

        var response = await page.GotoAsync("/hangfire/recurring");

        response!.Status.ShouldBe(200);
        await Expect(page.Locator("table.table")).ToContainTextAsync("reconcile");
    }
}
