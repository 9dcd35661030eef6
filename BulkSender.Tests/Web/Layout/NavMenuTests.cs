using BulkSender.Tests.TestSupport;
using BulkSender.Web.Components.Layout;
using BulkSender.Web.Features.Account;
using BulkSender.Web.Features.Shared;
using Bunit;

namespace BulkSender.Tests.Web.Layout;

public sealed class NavMenuTests : MudTestContext
{
    [Fact]
    public void Operators_see_the_working_pages_but_not_the_admin_ones()
    {
        AddAuthorization().SetAuthorized("operator@test.local");

        var menu = Render<NavMenu>();

        var links = menu.FindAll("a").Select(a => a.TextContent.Trim()).ToList();
        links.ShouldBe(["Dashboard", "Contacts", "Compose", "Messages", "Campaigns", "Templates", "Activity"]);
    }

    [Fact]
    public void Admins_also_see_settings_and_the_hangfire_dashboard_in_a_new_tab()
    {
        AddAuthorization().SetAuthorized("admin@test.local").SetPolicies(Policies.Admin);

        var menu = Render<NavMenu>();

        var links = menu.FindAll("a").Select(a => a.TextContent.Trim()).ToList();
        links.ShouldBe(["Dashboard", "Contacts", "Compose", "Messages", "Campaigns", "Templates", "Activity", "Users", "Settings", "Hangfire"]);
        var hangfire = menu.FindAll("a").Single(a => a.TextContent.Trim() == "Hangfire");
        hangfire.GetAttribute("href").ShouldBe("/hangfire");
        hangfire.GetAttribute("target").ShouldBe("_blank");
    }
}

public sealed class SharedComponentTests : MudTestContext
{
    [Fact]
    public void Stat_card_shows_its_title_and_value()
    {
        var card = Render<StatCard>(p => p.Add(c => c.Title, "Active contacts").Add(c => c.Value, "4,903").Add(c => c.TestId, "stat"));

        card.Find("[data-testid=stat]").TextContent.ShouldContain("Active contacts");
        card.Find("[data-testid=stat-value]").TextContent.ShouldBe("4,903");
    }

    [Fact]
    public void Empty_state_shows_its_text_and_actions()
    {
        var empty = Render<EmptyState>(p => p
            .Add(c => c.Icon, MudBlazor.Icons.Material.Filled.Outbox)
            .Add(c => c.Title, "No messages yet")
            .Add(c => c.Text, "Send one to see it here.")
            .AddChildContent("<a href=\"/compose\">Compose</a>"));

        empty.Find("[data-testid=empty-state]").TextContent.ShouldContain("No messages yet");
        empty.Find("a[href='/compose']").TextContent.ShouldBe("Compose");
    }
}
