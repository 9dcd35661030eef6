using BulkSender.Tests.TestSupport;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

[Collection(AppCollection.Name)]
[NoCspViolations]
public sealed class LayoutBrowserTests(AppFixture app, BrowserFixture browser)
{
    private static Task<string> BackgroundAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");

    [Fact]
    public async Task Dark_mode_is_remembered_across_reloads()
    {
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        var light = await BackgroundAsync(page);

        await page.GetByTestId("dark-toggle").ClickAsync();
        await page.WaitForFunctionAsync($"() => getComputedStyle(document.body).backgroundColor !== '{light}'");
        var dark = await BackgroundAsync(page);

        await page.ReloadAsync();
        await page.WaitForInteractiveAsync();
        await page.WaitForFunctionAsync($"() => getComputedStyle(document.body).backgroundColor === '{dark}'");
        (await BackgroundAsync(page)).ShouldNotBe(light);
    }

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(390, 844)]
    public async Task Pages_fit_the_window_without_sideways_scrolling(int width, int height)
    {
        var page = await browser.NewPageAsync(app.BaseAddress, width, height);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        foreach (var path in new[] { "/", "/contacts", "/contacts/import", "/compose", "/messages", "/campaigns", "/activity" })
        {
            await page.GotoAsync(path);
            await page.WaitForInteractiveAsync();
            await Expect(page.Locator("h4").First).ToBeVisibleAsync();
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            overflow.ShouldBeLessThanOrEqualTo(0, $"{path} at {width}px scrolls sideways by {overflow}px");
        }
        await page.GotoAsync("/contacts");
        await page.WaitForInteractiveAsync();
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor($"contacts-{width}.png") });
    }
}
