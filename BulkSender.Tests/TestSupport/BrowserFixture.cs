using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Playwright;
using Xunit.Sdk;

namespace BulkSender.Tests.TestSupport;

/// <summary>Debian's Chromium, headless, driven by Playwright. Never Playwright's own browser download.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>
    /// What Chromium's console said about Content Security Policy violations since the current test started. The
    /// browser tests run one at a time (one collection), so one list serves them; <see cref="NoCspViolationsAttribute"/>
    /// fails a test that caused any.
    /// </summary>
    public static ConcurrentQueue<string> CspViolations { get; } = new();

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException(
                $"{ChromiumPath} is missing: install it with `apt-get install -y chromium` (the test script does this).");
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"],
        });
    }

    public async Task<IPage> NewPageAsync(Uri baseAddress, int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(15_000);
        context.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                CspViolations.Enqueue($"{message.Location}: {message.Text}");
        };
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        playwright?.Dispose();
    }
}

/// <summary>Fails a browser test during which Chromium reported a Content Security Policy violation.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class NoCspViolationsAttribute : BeforeAfterTestAttribute
{
    public override void Before(MethodInfo methodUnderTest) => BrowserFixture.CspViolations.Clear();

    public override void After(MethodInfo methodUnderTest)
    {
        if (!BrowserFixture.CspViolations.IsEmpty)
            throw new XunitException("Chromium reported Content Security Policy violations:\n" + string.Join("\n", BrowserFixture.CspViolations));
    }
}

public static class PageExtensions
{
    /// <summary>Logs in through the login form and waits until the dashboard's circuit is interactive.</summary>
    public static async Task LoginAsync(this IPage page, string email, string password)
    {
        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForInteractiveAsync();
    }

    /// <summary>Blazor ignores clicks until the circuit is up; the layout says when it is.</summary>
    public static Task WaitForInteractiveAsync(this IPage page) =>
        page.Locator("#app-root[data-interactive=true]").WaitForAsync();

    /// <summary>
    /// Chooses <paramref name="path"/> in a Blazor <c>InputFile</c> once it listens: the element is on the page a moment
    /// before its script is attached (after the component's first render, over the circuit), and a file chosen in that
    /// moment changes nothing. The script marks the element when it attaches (<c>_blazorInputFileNextFileId</c>).
    /// </summary>
    public static async Task ChooseFileAsync(this ILocator input, string path)
    {
        await input.Page.WaitForFunctionAsync("e => e._blazorInputFileNextFileId !== undefined", await input.ElementHandleAsync());
        await input.SetInputFilesAsync(path);
    }
}
