using BulkSender.Tests.TestSupport;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

/// <summary>The Content Security Policy in Chromium: the app works under it, and what it forbids is refused.</summary>
[Collection(AppCollection.Name)]
public sealed class ContentSecurityPolicyBrowserTests(AppFixture app, BrowserFixture browser)
{
    [Fact]
    [NoCspViolations]
    public async Task Every_kind_of_page_works_under_the_policy_without_a_violation()
    {
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.GotoAsync("/account/login");
        await Expect(page.Locator("#email")).ToBeVisibleAsync();

        await page.LoginAsync(AppFixture.AdminEmail, AppFixture.AdminPassword);
        foreach (var (path, heading) in new[] { ("/contacts", "Contacts"), ("/messages", "Messages"),
            ("/settings", "Settings"), ("/users", "Users") })
        {
            await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = heading }).ClickAsync();
            await Expect(page).ToHaveURLAsync(app.BaseAddress + path.TrimStart('/'));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true }).First).ToBeVisibleAsync();
        }
        await page.GetByTestId("dark-toggle").ClickAsync();

        (await page.GotoAsync("/hangfire/recurring"))!.Status.ShouldBe(200);
        await Expect(page.Locator("table.table")).ToContainTextAsync("reconcile");
    }

    [Fact]
    public async Task An_injected_inline_script_is_refused()
    {
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        BrowserFixture.CspViolations.Clear();

        // What an injected <script> in a name or a message would try.
        await page.EvaluateAsync("""
            () => {
                const script = document.createElement('script');
                script.textContent = 'window.injected = true;';
                document.body.appendChild(script);
            }
            """);

        (await page.EvaluateAsync<bool>("() => window.injected === true")).ShouldBeFalse();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (BrowserFixture.CspViolations.IsEmpty && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        BrowserFixture.CspViolations.ShouldContain(v => v.Contains("script-src"));
        BrowserFixture.CspViolations.Clear();
    }
}
