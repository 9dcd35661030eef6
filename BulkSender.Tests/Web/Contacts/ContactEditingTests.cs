using System.Globalization;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Contacts;
using BulkSender.Core.Dispatch;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Contacts;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;

namespace BulkSender.Tests.Web.Contacts;

/// <summary>The edit dialog and the grid's opt-out actions against the real editor on its own SQLite file (bUnit, no browser).</summary>
public sealed class ContactEditingTests : MudTestContext, IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private TestDatabase database = null!;
    private OptOuts optOuts = null!;
    private Contact ana = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        var signal = new OptOutSignal();
        optOuts = new OptOuts(database, signal, clock);
        Services.AddSingleton(new ContactEditor(database, signal, clock));
        Services.AddSingleton(new ContactQueries(database));
        Services.AddSingleton(new ContactFieldDefinitions(database, clock));
        Services.AddSingleton(new ContactSelection(Options.Create(new DispatchOptions())));
        AddAuthorization().SetAuthorized("operator@test.local");
        ana = ContactBuilder.Contact(ChannelKind.Email, "Ana", tags: ["vip"]);
        await using var db = database.CreateDbContext();
        db.Contacts.Add(ana);
        await db.SaveChangesAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await database.DisposeAsync();
    }

    private async Task<IRenderedComponent<MudDialogProvider>> OpenAsync()
    {
        Render<MudPopoverProvider>();
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        await provider.InvokeAsync(() => dialogs.ShowAsync<ContactEditDialog>("Edit contact",
            new DialogParameters<ContactEditDialog> { { d => d.ContactId, ana.Id } }));
        provider.WaitForAssertion(() => provider.Find("input[data-testid=edit-name]").GetAttribute("value").ShouldBe("Ana"));
        return provider;
    }

    private async Task<Contact> StoredAsync()
    {
        await using var db = database.CreateDbContext();
        return await db.Contacts.AsNoTracking().SingleAsync(c => c.Id == ana.Id);
    }

    [Fact]
    public async Task A_stale_save_shows_the_message_and_the_current_values_and_keeps_the_opt_out()
    {
        var dialog = await OpenAsync();
        dialog.Find("input[data-testid=edit-name]").Input("Ana Silva");
        (await optOuts.OptOutAsync(ChannelKind.Email, ana.Address, "unsubscribe link", CancellationToken.None)).ShouldBeTrue();

        dialog.Find("[data-testid=edit-save]").Click();

        dialog.WaitForAssertion(() =>
            dialog.Find("[data-testid=edit-changed]").TextContent.ShouldContain("This contact changed since you opened it"));
        dialog.Find("input[data-testid=edit-name]").GetAttribute("value").ShouldBe("Ana");
        dialog.Find("input[data-testid=edit-opted-out]").HasAttribute("disabled").ShouldBeTrue();
        dialog.Markup.ShouldContain("use \"Opt back in\" in its menu");
        var stored = await StoredAsync();
        (stored.Name, stored.OptedOut).ShouldBe(("Ana", true));

        // Made again on the values shown, the edit goes through and the contact stays opted out.
        dialog.Find("input[data-testid=edit-name]").Input("Ana Silva");
        dialog.Find("[data-testid=edit-save]").Click();
        dialog.WaitForAssertion(() => dialog.FindAll("[data-testid=edit-save]").ShouldBeEmpty());
        stored = await StoredAsync();
        (stored.Name, stored.OptedOut).ShouldBe(("Ana Silva", true));
    }

    [Fact]
    public async Task The_dialog_edits_the_contacts_custom_fields()
    {
        await using (var db = database.CreateDbContext())
        {
            db.ContactFieldDefinitions.Add(
                new ContactFieldDefinition { Key = "city", Label = "City", DefaultValue = "your town", CreatedAt = DateTime.UtcNow });
            db.ContactFieldValues.Add(new ContactFieldValue { ContactId = ana.Id, FieldKey = "city", Value = "Lisbon" });
            await db.SaveChangesAsync();
        }
        var dialog = await OpenAsync();
        var city = dialog.Find("input[data-testid=edit-field-city]");
        city.GetAttribute("value").ShouldBe("Lisbon");
        dialog.Markup.ShouldContain("{{ city }} · empty: \"your town\"");

        city.Input("Porto");
        dialog.Find("[data-testid=edit-save]").Click();

        dialog.WaitForAssertion(() => dialog.FindAll("[data-testid=edit-save]").ShouldBeEmpty());
        await using var check = database.CreateDbContext();
        (await check.ContactFieldValues.SingleAsync(v => v.ContactId == ana.Id && v.FieldKey == "city")).Value.ShouldBe("Porto");
    }

    [Fact]
    public async Task The_switch_opts_an_active_contact_out()
    {
        var dialog = await OpenAsync();
        dialog.Find("input[data-testid=edit-opted-out]").HasAttribute("disabled").ShouldBeFalse();

        dialog.Find("input[data-testid=edit-opted-out]").Change(true);
        dialog.Find("[data-testid=edit-save]").Click();

        dialog.WaitForAssertion(() => dialog.FindAll("[data-testid=edit-save]").ShouldBeEmpty());
        (await StoredAsync()).OptedOut.ShouldBeTrue();
    }

    private IRenderedComponent<Bunit.Rendering.ContainerFragment> RenderPage() => Render(b =>
    {
        b.OpenComponent<MudPopoverProvider>(0);
        b.CloseComponent();
        b.OpenComponent<MudDialogProvider>(1);
        b.CloseComponent();
        b.OpenComponent<MudSnackbarProvider>(2);
        b.CloseComponent();
        b.OpenComponent<ContactsPage>(3);
        b.CloseComponent();
    });

    private static void Choose(IRenderedComponent<Bunit.Rendering.ContainerFragment> page, string menuItem)
    {
        page.WaitForAssertion(() => page.Markup.ShouldContain("Ana"));
        page.Find("[aria-label='Contact actions'] button").Click();
        page.WaitForAssertion(() => page.FindAll(".mud-menu-item").ShouldContain(i => i.TextContent.Contains(menuItem)));
        page.FindAll(".mud-menu-item").First(i => i.TextContent.Contains(menuItem)).Click();
    }

    private static void Answer(IRenderedComponent<Bunit.Rendering.ContainerFragment> page, string button)
    {
        page.WaitForAssertion(() => page.Markup.ShouldContain("Only do this when they asked for it."));
        page.FindAll(".mud-dialog button").First(b => b.TextContent.Trim() == button).Click();
        page.WaitForAssertion(() => page.FindAll(".mud-dialog").ShouldBeEmpty());
    }

    [Fact]
    public async Task Opting_back_in_from_the_grid_asks_for_confirmation_and_is_logged()
    {
        (await optOuts.OptOutAsync(ChannelKind.Email, ana.Address, "unsubscribe link", CancellationToken.None)).ShouldBeTrue();
        var page = RenderPage();

        Choose(page, "Opt back in…");
        Answer(page, "Cancel");
        (await StoredAsync()).OptedOut.ShouldBeTrue();

        Choose(page, "Opt back in…");
        Answer(page, "Opt back in");

        page.WaitForAssertion(() => page.Markup.ShouldContain("Ana is opted back in."));
        (await StoredAsync()).OptedOut.ShouldBeFalse();
        await using var db = database.CreateDbContext();
        var entry = await db.Activity.SingleAsync(a => a.Action == ActivityActions.ContactOptedIn);
        (entry.UserName, entry.EntityId).ShouldBe(("operator@test.local", ana.Id.ToString(CultureInfo.InvariantCulture)));
    }
}
