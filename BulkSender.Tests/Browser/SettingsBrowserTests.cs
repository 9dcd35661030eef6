using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Settings;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

[Collection(AppCollection.Name)]
[NoCspViolations]
public sealed class SettingsBrowserTests(AppFixture app, BrowserFixture browser)
{
    private ChannelSettingsStore Store => app.Services.GetRequiredService<ChannelSettingsStore>();

    private Task<ChannelSettingsSaved> SaveAsync(ChannelKind channel, Dictionary<string, string?> values, params string[] clear) =>
        Store.SaveAsync(new ChannelSettingsInput(channel, values, clear), Actor.System, CancellationToken.None);

    [Fact]
    public async Task An_admin_replaces_a_secret_sees_only_its_mask_and_sends_a_test_message()
    {
        await using var cloudApi = await ProviderServer.StartAsync();
        cloudApi.AnswerJson(200, """{"messaging_product":"whatsapp","contacts":[""" +
            """{"input":"14155550123","wa_id":"14155550123"}],"messages":[{"id":"wamid.FROM-THE-PAGE"}]}""");
        await SaveAsync(ChannelKind.WhatsApp,
            new() { ["BaseUrl"] = cloudApi.BaseAddress.ToString(), ["PhoneNumberId"] = "106540352242922", ["AccessToken"] = "EAAJ-browser-token" });
        try
        {
            var page = await browser.NewPageAsync(app.BaseAddress, height: 1600);
            await page.LoginAsync(AppFixture.AdminEmail, AppFixture.AdminPassword);
            await page.GotoAsync("/settings");
            await page.WaitForInteractiveAsync();

            var whatsApp = page.GetByTestId("channel-WhatsApp");
            await Expect(whatsApp.GetByText("Configured", new() { Exact = true })).ToBeVisibleAsync();
            await Expect(page.GetByTestId("mask-WhatsApp-AccessToken")).ToHaveTextAsync("••••oken");

            await page.GetByTestId("test-address-WhatsApp").FillAsync("+14155550123");
            await page.GetByTestId("test-send-WhatsApp").ClickAsync();
            await Expect(page.GetByTestId("test-result-WhatsApp")).ToContainTextAsync("Sent. Provider message id: wamid.FROM-THE-PAGE");
            cloudApi.Requests.Single().Authorization.ShouldBe("Bearer EAAJ-browser-token");

            var secret = page.GetByTestId("setting-WhatsApp-AccessToken");
            await secret.FillAsync("EAAJ-replaced-in-the-page-9876");
            await page.GetByTestId("save-WhatsApp").ClickAsync();
            await Expect(page.GetByText("Saved: Access token.")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("mask-WhatsApp-AccessToken")).ToHaveTextAsync("••••9876");
            await Expect(secret).ToHaveValueAsync("");
            (await page.ContentAsync()).ShouldNotContain("EAAJ-replaced-in-the-page-9876");
            await whatsApp.ScreenshotAsync(new() { Path = Screenshots.PathFor("settings-channels.png") });

            (await Store.WhatsAppAsync(CancellationToken.None)).AccessToken.ShouldBe("EAAJ-replaced-in-the-page-9876");
        }
        finally
        {
            await SaveAsync(ChannelKind.WhatsApp, new() { ["BaseUrl"] = "", ["PhoneNumberId"] = "" }, "AccessToken");
        }
    }

    [Fact]
    public async Task An_invalid_port_is_refused_with_its_reason()
    {
        var page = await browser.NewPageAsync(app.BaseAddress, height: 1600);
        await page.LoginAsync(AppFixture.AdminEmail, AppFixture.AdminPassword);
        await page.GotoAsync("/settings");
        await page.WaitForInteractiveAsync();

        await page.GetByTestId("setting-Email-Port").FillAsync("99999");
        await page.GetByTestId("save-Email").ClickAsync();

        await Expect(page.GetByTestId("channel-Email").GetByText("SMTP port: enter a number from 1 to 65535.").First).ToBeVisibleAsync();
        (await Store.EmailAsync(CancellationToken.None)).Port.ShouldBe(587);
    }
}
