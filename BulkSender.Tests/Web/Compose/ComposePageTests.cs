using BulkSender.Core.Attachments;
using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Core.Data;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Compose;
using BulkSender.Web.Features.Contacts;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.Compose;

/// <summary>The compose page against Core's real services and database (bUnit, no browser).</summary>
public sealed class ComposePageTests : MudTestContext, IAsyncLifetime
{
    private CoreHost host = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        host = await CoreHost.StartAsync(contacts: 900);
        ComposeServices.AddTo(this, host);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await host.DisposeAsync();
    }

    private IRenderedComponent<ComposePage> RenderWithPopovers()
    {
        Render<MudBlazor.MudPopoverProvider>();
        return Render<ComposePage>();
    }

    [Fact]
    public async Task A_selection_made_elsewhere_in_the_circuit_shows_as_selected_contacts_with_its_batch_count()
    {
        var selection = Services.GetRequiredService<ContactSelection>();
        selection.AddRange(await host.ActiveContactIdsAsync(ChannelKind.Email, 250));

        var page = RenderWithPopovers();

        page.WaitForAssertion(() => page.Find("[data-testid=recipient-count]").TextContent.ShouldContain("250 recipients • 3 batches of 100"));
        page.Find("[data-testid=selection-summary]").TextContent.ShouldContain("250 selected contacts: 250 on Email");
        page.Markup.ShouldContain("Selected contacts (250)");
    }

    [Fact]
    public async Task A_selection_picked_while_the_page_is_open_shows_up_at_once()
    {
        var page = RenderWithPopovers();
        page.WaitForAssertion(() => page.Markup.ShouldContain("Selected contacts (0)"));

        var ids = await host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 120);
        await page.InvokeAsync(() => Services.GetRequiredService<ContactSelection>().AddRange(ids));

        page.WaitForAssertion(() => page.Markup.ShouldContain("Selected contacts (120)"));
    }

    [Fact]
    public async Task Mixed_selections_count_only_the_contacts_on_the_chosen_channel()
    {
        var selection = Services.GetRequiredService<ContactSelection>();
        selection.AddRange(await host.ActiveContactIdsAsync(ChannelKind.Email, 30));
        selection.AddRange(await host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 10));

        var page = RenderWithPopovers();

        page.WaitForAssertion(() => page.Find("[data-testid=selection-summary]").TextContent
            .ShouldContain("40 selected contacts: 30 on Email · 10 on other channels (left out)"));
        page.Find("[data-testid=recipient-count]").TextContent.ShouldContain("30 recipients • 1 batch");
    }

    [Fact]
    public async Task A_Messenger_selection_shows_how_many_recipients_are_outside_the_24_hour_window()
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Messenger, 10);
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        await using (var db = host.NewDbContext())
        {
            await db.Contacts.Where(c => ids.Take(4).Contains(c.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastInboundAt, now.AddHours(-1)));
            await db.Contacts.Where(c => ids.Skip(4).Take(4).Contains(c.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastInboundAt, now.AddHours(-30)));
            await db.Contacts.Where(c => ids.Skip(8).Contains(c.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastInboundAt, (DateTime?)null));
        }
        Services.GetRequiredService<ContactSelection>().AddRange(ids);

        var page = RenderWithPopovers();

        page.WaitForAssertion(() => page.Find("[data-testid=recipient-count]").TextContent.ShouldContain("10 recipients"));
        page.Find("[data-testid=messenger-window]").TextContent
            .ShouldContain("6 recipients last wrote more than 24 hours ago: Messenger will not deliver to them; they are skipped");
    }

    [Fact]
    public async Task Writing_fields_previews_the_first_five_recipients_rendered_and_flags_those_without_a_value()
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 20);
        await using (var db = host.NewDbContext())
        {
            db.ContactFieldDefinitions.Add(new ContactFieldDefinition { Key = "city", Label = "City", CreatedAt = DateTime.UtcNow });
            await db.Contacts.Where(c => ids.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.Name, c => "Ana" + c.Id + " Lima"));
            // 8 of the 20 have a city: 12 have none.
            db.ContactFieldValues.AddRange(ids.Order().Take(8)
                .Select(id => new ContactFieldValue { ContactId = id, FieldKey = "city", Value = "Porto" }));
            await db.SaveChangesAsync();
        }
        Services.GetRequiredService<ContactSelection>().AddRange(ids);
        var page = RenderWithPopovers();
        page.WaitForAssertion(() => page.Find("[data-testid=recipient-count]").TextContent.ShouldContain("20 recipients"));
        page.FindAll("[data-testid=personal-preview]").ShouldBeEmpty(); // plain text: everyone gets the same

        page.Find("input[data-testid=title]").Input("News for {{ first_name }}");
        page.Find("textarea[data-testid=content]").Input("Hi {{ first_name }} in {{ city }}, and {{ city | default: \"x\" }}");

        page.WaitForAssertion(() => page.FindAll("[data-testid=preview-recipient]").Count.ShouldBe(5));
        var first = ids.Order().First();
        page.FindAll("[data-testid=preview-title]")[0].TextContent.ShouldBe($"News for Ana{first}");
        page.FindAll("[data-testid=preview-content]")[0].TextContent.ShouldBe($"Hi Ana{first} in Porto, and Porto");
        page.WaitForAssertion(() => page.Find("[data-testid=missing-field]").TextContent
            .ShouldContain("12 recipients have no city: they get an empty city"));

        page.Find("textarea[data-testid=content]").Input("Hi {{ first_name }} in {{ citty }}");
        page.WaitForAssertion(() => page.FindAll("[data-testid=personal-preview]").ShouldBeEmpty());
    }

    [Fact]
    public async Task A_Messenger_send_offers_no_message_tag()
    {
        Services.GetRequiredService<ContactSelection>().AddRange(await host.ActiveContactIdsAsync(ChannelKind.Messenger, 3));

        var page = RenderWithPopovers();

        page.WaitForAssertion(() => page.Find("[data-testid=recipient-count]").TextContent.ShouldContain("3 recipients"));
        page.FindAll("[data-testid=message-tag]").ShouldBeEmpty();
        page.Markup.ShouldNotContain("Message tag");
    }

    [Fact]
    public async Task No_window_warning_shows_when_every_Messenger_recipient_wrote_within_24_hours()
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Messenger, 5);
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        await using (var db = host.NewDbContext())
            await db.Contacts.Where(c => ids.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastInboundAt, now.AddHours(-2)));
        Services.GetRequiredService<ContactSelection>().AddRange(ids);

        var page = RenderWithPopovers();

        page.WaitForAssertion(() => page.Find("[data-testid=recipient-count]").TextContent.ShouldContain("5 recipients"));
        page.FindAll("[data-testid=messenger-window]").ShouldBeEmpty();
    }

    [Fact]
    public void The_character_count_follows_the_content_against_the_channel_limit()
    {
        var page = RenderWithPopovers();
        page.WaitForAssertion(() => page.Find("[data-testid=char-count]"));

        page.Find("textarea[data-testid=content]").Input(new string('x', 2001));

        page.WaitForAssertion(() =>
            page.Find("[data-testid=char-count]").TextContent.ShouldContain("2,001 / 2,000 characters (the Messenger limit)"));
        page.Find("[data-testid=char-count]").ClassList.ShouldContain("mud-error-text");
    }

    [Fact]
    public async Task Sending_the_form_creates_the_send_and_opens_its_page()
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 150);
        Services.GetRequiredService<ContactSelection>().AddRange(ids);
        var page = RenderWithPopovers();
        page.WaitForAssertion(() => page.Find("[data-testid=recipient-count]").TextContent.ShouldContain("150 recipients"));

        page.Find("input[data-testid=title]").Input("Spring news");
        page.Find("textarea[data-testid=content]").Input("Hello!");
        page.Find("[data-testid=submit]").Click();

        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        page.WaitForAssertion(() => navigation.Uri.ShouldMatch(@"/messages/\d+$"));
        using var db = host.NewDbContext();
        var message = db.Messages.Single();
        (message.Title, message.TotalRecipients, message.BatchCount, message.Status).ShouldBe(("Spring news", 150, 2, MessageStatus.Sending));
        Services.GetRequiredService<ContactSelection>().Count.ShouldBe(0, "the selection has been sent to");
    }

    [Fact]
    public void An_incomplete_form_shows_the_validators_messages_and_saves_nothing()
    {
        var page = RenderWithPopovers();
        page.WaitForAssertion(() => page.Find("[data-testid=submit]"));

        page.Find("[data-testid=submit]").Click();

        page.WaitForAssertion(() => page.Markup.ShouldContain("Give the message a title."));
        page.Markup.ShouldContain("Write the message.");
        using var db = host.NewDbContext();
        db.Messages.Count().ShouldBe(0);
    }
}
