using System.Globalization;
using BulkSender.Core.Attachments;
using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Compose;
using BulkSender.Web.Features.Contacts;
using Bunit;
using Microsoft.AspNetCore.Components.RenderTree;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.Compose;

/// <summary>One click, one send: the compose page against Core's real services and database (bUnit).</summary>
public sealed class ComposeSendOnceTests : MudTestContext, IAsyncLifetime
{
    private CoreHost host = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        host = await CoreHost.StartAsync(contacts: 300);
        ComposeServices.AddTo(this, host);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await host.DisposeAsync();
    }

    /// <summary>The page filled in: to 40 selected e-mail contacts, or (no selection) to every active e-mail contact.</summary>
    private async Task<IRenderedComponent<ComposePage>> ReadyToSendAsync(string title, bool selection = true)
    {
        if (selection)
            Services.GetRequiredService<ContactSelection>().AddRange(await host.ActiveContactIdsAsync(ChannelKind.Email, 40));
        Render<MudBlazor.MudPopoverProvider>();
        var page = Render<ComposePage>();
        page.WaitForAssertion(() =>
            page.Find("[data-testid=recipient-count]").TextContent.ShouldContain(selection ? "40 recipients" : "recipients"));
        page.Find("input[data-testid=title]").Input(title);
        page.Find("textarea[data-testid=content]").Input("Hello once");
        return page;
    }

    [Fact]
    public async Task A_double_click_on_send_creates_one_message()
    {
        var page = await ReadyToSendAsync("Double click");
        // A click as the server receives it from the browser, whatever the button looks like in the last render:
        // the second click of a double click was made before the render that disables the button arrived.
        // (bUnit's own ClickAsync refuses a disabled button.)
        Task Click()
        {
            var handlerId = ulong.Parse(page.Find("[data-testid=submit]").GetAttribute("blazor:onclick")!, CultureInfo.InvariantCulture);
#pragma warning disable BL0006 // EventFieldInfo is what bUnit's ClickAsync passes too.
            return Renderer.Dispatcher.InvokeAsync(() => Renderer.DispatchEventAsync(handlerId, new EventFieldInfo(), new MouseEventArgs()));
#pragma warning restore BL0006
        }
        Task first, second;
        await using (var db = host.NewDbContext())
        using (await SqliteWriteGate.EnterAsync(db, CancellationToken.None))
        {
            // The database is busy, so the first click's save waits and the second click comes in meanwhile (a
            // quick double click, or an event sent again by a reconnecting circuit).
            first = Click();
            second = Click();
            page.WaitForAssertion(() => page.Find("[data-testid=submit]").HasAttribute("disabled").ShouldBeTrue("disabled while sending"));
            page.Find("[data-testid=save-draft]").HasAttribute("disabled").ShouldBeTrue();
            first.IsCompleted.ShouldBeFalse();
        }
        await Task.WhenAll(first, second);

        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        page.WaitForAssertion(() => navigation.Uri.ShouldMatch(@"/messages/\d+$"));
        await using var check = host.NewDbContext();
        var message = await check.Messages.SingleAsync();
        (message.Title, message.TotalRecipients).ShouldBe(("Double click", 40));
        (await check.Deliveries.CountAsync()).ShouldBe(40);
        (await check.IdempotencyKeys.SingleAsync()).MessageId.ShouldBe(message.Id, "the page sends with its compose session's key");
    }

    [Fact]
    public async Task Clicking_send_again_after_an_answer_that_never_arrived_sends_nothing_more()
    {
        var page = await ReadyToSendAsync("Answer lost", selection: false);
        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();

        await page.Find("[data-testid=submit]").ClickAsync(new MouseEventArgs());
        page.WaitForAssertion(() => navigation.Uri.ShouldMatch(@"/messages/\d+$"));
        // The circuit lost its connection before the browser went to the message page: after reconnecting, the
        // same page is still there and the operator clicks Send again.
        var firstUri = navigation.Uri;
        navigation.NavigateTo("/compose-as-still-shown");
        await page.Find("[data-testid=submit]").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => navigation.Uri.ShouldBe(firstUri, "the same send's page again"));
        await using var db = host.NewDbContext();
        (await db.Messages.CountAsync()).ShouldBe(1);
        var message = await db.Messages.SingleAsync();
        (await db.Deliveries.CountAsync()).ShouldBe(message.TotalRecipients, "every recipient once");
    }
}
