using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.ApiReference;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

/// <summary>The interactive API reference in Chromium: it renders the document under the app's Content Security Policy.</summary>
[Collection(AppCollection.Name)]
public sealed class ApiReferenceBrowserTests(AppFixture app, BrowserFixture browser)
{
    [Fact]
    [NoCspViolations]
    public async Task A_logged_in_operator_sees_the_endpoints_listed_without_a_violation()
    {
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        (await page.GotoAsync(ApiReferenceEndpoints.ReferencePath))!.Status.ShouldBe(200);

        await Expect(page).ToHaveTitleAsync("BulkSender API");
        await Expect(page.GetByText("/api/me", new() { Exact = true }).First).ToBeVisibleAsync();
        await Expect(page.GetByText("\"is_admin\"").First).ToBeAttachedAsync();
    }
}
