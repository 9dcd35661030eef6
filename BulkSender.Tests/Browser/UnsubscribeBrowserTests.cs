using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BulkSender.Tests.Browser;

[Collection(AppCollection.Name)]
[NoCspViolations]
public sealed class UnsubscribeBrowserTests(AppFixture app, BrowserFixture browser)
{
    [Fact]
    public async Task A_recipient_opens_the_link_sees_the_masked_address_presses_unsubscribe_and_is_told_so()
    {
        var contact = ContactBuilder.Contact(ChannelKind.Email);
        await using (var db = app.NewDbContext())
        {
            db.Contacts.Add(contact);
            await db.SaveChangesAsync();
        }
        var link = app.Services.GetRequiredService<UnsubscribeTokens>().Link(app.BaseAddress, ChannelKind.Email, contact.Address);
        var page = await browser.NewPageAsync(app.BaseAddress);

        await page.GotoAsync(link.AbsoluteUri);

        await Expect(page.GetByTestId("address")).ToHaveTextAsync(AddressMask.Mask(ChannelKind.Email, contact.Address));
        await using (var db = app.NewDbContext())
            (await db.Contacts.Where(c => c.Id == contact.Id).Select(c => c.OptedOut).SingleAsync()).ShouldBeFalse();

        await page.GetByRole(AriaRole.Button, new() { Name = "Unsubscribe" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You are unsubscribed" })).ToBeVisibleAsync();
        await using (var db = app.NewDbContext())
            (await db.Contacts.Where(c => c.Id == contact.Id).Select(c => c.OptedOut).SingleAsync()).ShouldBeTrue();
    }
}
