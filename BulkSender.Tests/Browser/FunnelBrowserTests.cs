using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

/// <summary>
/// The delivery funnel in Chromium against the real app, fed by the simulated channel's events (in the app fixture
/// they come 1–2 s after the send, and read 1–2 s after delivered).
/// </summary>
[Collection(AppCollection.Name)]
[NoCspViolations]
public sealed class FunnelBrowserTests(AppFixture app, BrowserFixture browser)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static async Task<int> CountAsync(IPage page, string stage) =>
        int.Parse((await page.GetByTestId($"funnel-{stage}-count").TextContentAsync())!, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_funnel_chart_fills_up_live_as_simulated_deliveries_and_reads_arrive()
    {
        using var client = await app.NewOperatorClientAsync();
        var page = await browser.NewPageAsync(app.BaseAddress);
        await page.LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        // All Messenger contacts at 20 a second: a few seconds of sending, the events trickling in behind.
        var response = await client.PostAsJsonAsync("/api/messages",
            new { title = "Funnel watch", content = "Hi", channel = "messenger", audience = "channel" });
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        await page.GotoAsync($"/messages/{id}");
        await page.WaitForInteractiveAsync();
        await page.EvaluateAsync("() => window.sameDocument = true");

        await Expect(page.GetByTestId("funnel-chart").Locator("svg")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("funnel-delivered-count")).ToHaveTextAsync(new Regex("^[1-9]"), new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("funnel-read-count")).ToHaveTextAsync(new Regex("^[1-9]"), new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("progress-percent")).ToHaveTextAsync("100%", new() { Timeout = 60_000 });

        // The page and the API converge on the same final numbers (the simulation delivers about 95% and reads about 70% of those).
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var report = await client.GetFromJsonAsync<JsonElement>($"/api/messages/{id}/report");
            var expected = (report.GetProperty("sent").GetInt32(), report.GetProperty("delivered").GetInt32(),
                report.GetProperty("read").GetInt32());
            var shown = (await CountAsync(page, "sent"), await CountAsync(page, "delivered"), await CountAsync(page, "read"));
            await using var db = app.NewDbContext();
            var pending = await db.Deliveries.CountAsync(d => d.MessageId == id && d.Status == BulkSender.Core.Dispatch.DeliveryStatus.Sent
                && (d.DeliveredAt == null || d.ReadAt == null) && d.SentAt > DateTime.UtcNow.AddSeconds(-5));
            if (shown == expected && pending == 0)
            {
                var (sent, delivered, read) = shown;
                delivered.ShouldBeInRange((int)(sent * 0.8), sent);
                read.ShouldBeInRange((int)(delivered * 0.5), (int)Math.Ceiling(delivered * 0.9));
                await Expect(page.GetByTestId("funnel-delivered-percent")).ToHaveTextAsync(
                    (Math.Round(100.0 * delivered / sent, 1)).ToString("0.#", CultureInfo.InvariantCulture) + "%");
                break;
            }
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the page showed {shown}, the API {expected}, {pending} deliveries could still move");
            await page.WaitForTimeoutAsync(200);
        }
        (await page.EvaluateAsync<bool>("() => window.sameDocument === true"))
            .ShouldBeTrue("the funnel updated itself; the page was never reloaded");
        await page.GetByTestId("funnel").ScreenshotAsync(new() { Path = Screenshots.PathFor("message-funnel.png") });
    }
}
