using BulkSender.Core.Channels;
using BulkSender.Core.Messages;
using BulkSender.Core.Templates;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Compose;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace BulkSender.Tests.Web.Compose;

/// <summary>The compose page's WhatsApp template picker and its live preview (bUnit, Core's real template queries).</summary>
public sealed class ComposeWhatsAppSectionTests : MudTestContext, IAsyncLifetime
{
    private TestDatabase database = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        await using (var db = database.CreateDbContext())
        {
            db.WhatsAppTemplates.AddRange(
                Template("greeting", "Hi {{1}}! Our shop opens {{2}}.", "APPROVED"),
                Template("old_offer", "Hello {{1}}", "PAUSED"));
            await db.SaveChangesAsync();
        }
        Services.AddSingleton(new WhatsAppTemplateQueries(database));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await database.DisposeAsync();
    }

    private static WhatsAppTemplate Template(string name, string body, string status) => new()
    {
        Name = name, Language = "en_US", Category = "MARKETING", Status = status,
        Components = $$"""[{"type":"BODY","text":"{{body}}"}]""", SyncedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
    };

    private static readonly RecipientValues[] Recipients = [new("Ana Lima", "+14155550101"), new("Bruno Silva", "+14155550102")];

    [Fact]
    public async Task Picking_a_template_and_mapping_its_first_parameter_to_first_name_previews_each_recipients_message()
    {
        Render<MudPopoverProvider>();
        var model = new ComposeModel { Channel = ChannelKind.WhatsApp, WhatsAppTemplate = new WhatsAppTemplateInput() };
        var section = Render<ComposeWhatsAppSection>(p => p.Add(s => s.Model, model).Add(s => s.Samples, Recipients));

        var picker = section.FindComponents<MudSelect<string>>().Single();
        await section.InvokeAsync(() => picker.Instance.ValueChanged.InvokeAsync("greeting|en_US"));
        section.WaitForAssertion(() => section.FindAll("[data-testid=template-parameter]").Count.ShouldBe(2));
        var first = section.FindComponents<MudSelect<string>>()[1];
        await section.InvokeAsync(() => first.Instance.ValueChanged.InvokeAsync("first_name"));
        section.Find("input[data-testid=parameter-text-2]").Input("on Monday");

        section.WaitForAssertion(() =>
        {
            var previews = section.FindAll("[data-testid=template-preview]").Select(p => p.TextContent).ToList();
            previews.Count.ShouldBe(2);
            previews[0].ShouldContain("Hi Ana! Our shop opens on Monday.");
            previews[1].ShouldContain("Hi Bruno! Our shop opens on Monday.");
        }, TimeSpan.FromSeconds(5));
        model.WhatsAppTemplate!.Parameters.Select(p => (p.Field, p.Text)).ShouldBe([("first_name", (string?)null), (null, "on Monday")]);
    }

    [Fact]
    public void A_template_that_is_not_approved_is_listed_but_cannot_be_picked()
    {
        Render<MudPopoverProvider>();
        var model = new ComposeModel { Channel = ChannelKind.WhatsApp, WhatsAppTemplate = new WhatsAppTemplateInput() };
        var section = Render<ComposeWhatsAppSection>(p => p.Add(s => s.Model, model).Add(s => s.Samples, Recipients));

        section.InvokeAsync(() => section.FindComponents<MudSelect<string>>().Single().Instance.ValueChanged.InvokeAsync("old_offer|en_US"));

        model.WhatsAppTemplate!.Name.ShouldBeEmpty();
        section.FindAll("[data-testid=template-parameter]").ShouldBeEmpty();
    }

    [Fact]
    public void Under_a_messaging_limit_the_section_says_how_many_of_the_audience_fit_today_and_when_the_rest_goes()
    {
        Render<MudPopoverProvider>();
        var model = new ComposeModel { Channel = ChannelKind.WhatsApp, WhatsAppTemplate = new WhatsAppTemplateInput() };
        var roomAt = new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);

        var section = Render<ComposeWhatsAppSection>(p => p.Add(s => s.Model, model)
            .Add(s => s.MessagingLimit, new MessagingLimitRoom(Limit: 250, Used: 200, Recipients: 400, Outside: 300, RoomAt: roomAt)));

        section.Find("[data-testid=messaging-limit]").TextContent.ShouldContain(
            "150 of the 400 recipients fit today; the other 250 wait until room returns (from 2026-11-24 12:00 UTC): nothing fails.");
    }
}
