using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Compose;
using BulkSender.Web.Features.Contacts;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace BulkSender.Tests.Web.Compose;

/// <summary>"Send a test to…" from the compose page (bUnit, Core's real services, the simulated provider).</summary>
public sealed class TestSendDialogTests : MudTestContext, IAsyncLifetime
{
    private CoreHost host = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        host = await CoreHost.StartAsync(contacts: 30);
        ComposeServices.AddTo(this, host, typeof(TestSends), typeof(ContactQueries));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await host.DisposeAsync();
    }

    /// <summary>The compose page with an e-mail message written, and the test dialog opened from it.</summary>
    private async Task<IRenderedComponent<MudDialogProvider>> OpenAsync(string title)
    {
        Services.GetRequiredService<ContactSelection>().AddRange(await host.ActiveContactIdsAsync(ChannelKind.Email, 3));
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        var page = Render<ComposePage>();
        page.WaitForAssertion(() => page.Find("[data-testid=recipient-count]").TextContent.ShouldContain("3 recipients"));
        page.Find("input[data-testid=title]").Input(title);
        page.Find("textarea[data-testid=content]").Input("Hi {{ first_name | default: \"there\" }}!");
        page.Find("[data-testid=open-test-send]").Click();
        dialogs.WaitForAssertion(() => dialogs.Find("[data-testid=test-send]"));
        return dialogs;
    }

    [Fact]
    public async Task A_contact_found_by_name_gets_the_test_with_their_greeting_and_the_answer_is_shown()
    {
        var dialogs = await OpenAsync("For {{ first_name }}");
        var picker = dialogs.FindComponent<MudAutocomplete<ContactRow>>();
        var search = picker.Instance.SearchFunc!;
        var anyone = (await search("", CancellationToken.None)! ?? []).OfType<ContactRow>().First();
        var first = anyone.Name.Split(' ')[0];

        var found = (await search(first.ToUpperInvariant(), CancellationToken.None)! ?? []).OfType<ContactRow>().ToList();
        found.ShouldContain(c => c.Id == anyone.Id);
        found.ShouldAllBe(c => c.Channel == ChannelKind.Email);
        await dialogs.InvokeAsync(() => picker.Instance.ValueChanged.InvokeAsync(anyone));
        dialogs.Find("[data-testid=test-send]").Click();

        dialogs.WaitForAssertion(() => dialogs.Find("[data-testid=test-result]").TextContent
            .ShouldStartWith($"Test sent to {anyone.Name} ({anyone.Address}): E-mail accepted it"));
        var received = host.Provider.Tests().ShouldHaveSingleItem();
        (received.Title, received.Text).ShouldBe(($"For {first}", $"Hi {first}!"));
    }

    [Fact]
    public async Task A_typed_address_is_checked_and_an_invalid_message_gets_the_forms_errors()
    {
        var dialogs = await OpenAsync("");
        var to = dialogs.FindComponent<MudRadioGroup<bool>>();
        await dialogs.InvokeAsync(() => to.Instance.ValueChanged.InvokeAsync(true));
        dialogs.WaitForAssertion(() => dialogs.Find("input[data-testid=test-address]"));

        dialogs.Find("input[data-testid=test-address]").Input("me@");
        dialogs.Find("[data-testid=test-send]").Click();

        dialogs.WaitForAssertion(() => dialogs.Find("[data-testid=test-result]").TextContent.ShouldContain("Give the message a title."));
        host.Provider.Tests().ShouldBeEmpty();
    }
}
