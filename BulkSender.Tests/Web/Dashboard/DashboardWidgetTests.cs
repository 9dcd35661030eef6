using BulkSender.Core.Channels;
using BulkSender.Core.Dashboard;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Dashboard;
using Bunit;

namespace BulkSender.Tests.Web.Dashboard;

public sealed class DashboardWidgetTests : MudTestContext
{
    [Fact]
    public void Totals_card_shows_sent_failed_and_the_success_rate()
    {
        var card = Render<SendTotalsCard>(p => p.Add(c => c.Title, "Today").Add(c => c.Totals, new SendTotals(235, 15)).Add(c => c.TestId, "today"));

        card.Find("[data-testid=today-sent]").TextContent.ShouldBe("235");
        card.Find("[data-testid=today-failed]").TextContent.ShouldBe("15");
        card.Find("[data-testid=today-rate]").TextContent.Trim().ShouldBe("94% success");
    }

    [Fact]
    public void Totals_card_says_nothing_was_sent_instead_of_a_zero_rate()
    {
        var card = Render<SendTotalsCard>(p => p.Add(c => c.Title, "Today").Add(c => c.Totals, new SendTotals(0, 0)).Add(c => c.TestId, "today"));

        card.Find("[data-testid=today-rate]").TextContent.Trim().ShouldBe("nothing sent yet");
    }

    [Fact]
    public void Chart_draws_a_series_per_channel_over_the_days()
    {
        var days = Enumerable.Range(17, 7).Select(d => new DateOnly(2026, 11, d)).ToList();
        var daily = days.SelectMany(day => Enum.GetValues<ChannelKind>().Select(c => new DailySends(day, c, c == ChannelKind.Email ? day.Day : 0, 0))).ToList();

        var chart = Render<SendsChart>(p => p.Add(c => c.Daily, daily));

        chart.FindAll("[data-testid=sends-chart-empty]").ShouldBeEmpty();
        chart.Find("svg").ShouldNotBeNull();
        chart.Markup.ShouldContain("Email");
        chart.Markup.ShouldContain("WhatsApp");
        chart.Markup.ShouldContain("Mon 23");
    }

    [Fact]
    public void Chart_has_an_empty_state_when_nothing_was_sent()
    {
        var daily = new[] { new DailySends(new DateOnly(2026, 11, 23), ChannelKind.Email, 0, 4) };

        var chart = Render<SendsChart>(p => p.Add(c => c.Daily, daily));

        chart.Find("[data-testid=sends-chart-empty]").TextContent.ShouldContain("No sends in the last 7 days");
    }

    [Fact]
    public void Upcoming_lists_items_with_links_and_what_is_left()
    {
        var items = new[]
        {
            new UpcomingItem(3, "Black Friday", ChannelKind.Email, new DateTime(2026, 11, 24, 9, 0, 0), "Scheduled send", null),
            new UpcomingItem(7, "Drip", ChannelKind.WhatsApp, new DateTime(2026, 11, 24, 12, 0, 0), "Campaign batch", 40),
        };

        var list = Render<UpcomingList>(p => p.Add(c => c.Items, items));

        list.Markup.ShouldContain("Black Friday");
        list.Markup.ShouldContain("Scheduled send at Tue 24 Nov 09:00 UTC");
        list.Markup.ShouldContain("Campaign batch at Tue 24 Nov 12:00 UTC · 40 left");
        list.FindAll("a[href='/messages/7']").ShouldNotBeEmpty();
    }
}
