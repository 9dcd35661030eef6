using BulkSender.Core.Funnel;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Messages;
using Bunit;

namespace BulkSender.Tests.Web.Messages;

public sealed class FunnelChartTests : MudTestContext
{
    [Fact]
    public void Funnel_draws_a_bar_per_stage_with_counts_and_percentages_of_sent()
    {
        var chart = Render<FunnelChart>(p =>
            p.Add(c => c.Funnel, new MessageFunnel(Total: 250, Sent: 200, Delivered: 190, Read: 133, Replied: 13, Closed: 4, Failed: 50)));

        chart.Find("[data-testid=funnel-chart] svg").ShouldNotBeNull();
        foreach (var stage in new[] { "Sent", "Delivered", "Read", "Replied", "Closed" })
            chart.Find("[data-testid=funnel-chart]").InnerHtml.ShouldContain(stage);
        chart.Find("[data-testid=funnel-sent-count]").TextContent.ShouldBe("200");
        chart.Find("[data-testid=funnel-sent-percent]").TextContent.ShouldBe("100%");
        chart.Find("[data-testid=funnel-delivered-count]").TextContent.ShouldBe("190");
        chart.Find("[data-testid=funnel-delivered-percent]").TextContent.ShouldBe("95%");
        chart.Find("[data-testid=funnel-read-percent]").TextContent.ShouldBe("66.5%");
        chart.Find("[data-testid=funnel-replied-percent]").TextContent.ShouldBe("6.5%");
        chart.Find("[data-testid=funnel-closed-count]").TextContent.ShouldBe("4");
        chart.Find("[data-testid=funnel-failed]").TextContent.ShouldContain("50 failed");
    }

    [Fact]
    public void Funnel_follows_new_numbers()
    {
        var chart = Render<FunnelChart>(p => p.Add(c => c.Funnel, new MessageFunnel(10, 10, 0, 0, 0, 0, 0)));
        chart.Find("[data-testid=funnel-delivered-count]").TextContent.ShouldBe("0");

        chart.Render(p => p.Add(c => c.Funnel, new MessageFunnel(10, 10, 9, 4, 0, 0, 0)));

        chart.Find("[data-testid=funnel-delivered-count]").TextContent.ShouldBe("9");
        chart.Find("[data-testid=funnel-read-percent]").TextContent.ShouldBe("40%");
    }

    [Fact]
    public void Funnel_says_so_while_nothing_reached_the_provider()
    {
        var chart = Render<FunnelChart>(p => p.Add(c => c.Funnel, MessageFunnel.Empty));

        chart.Find("[data-testid=funnel-empty]").TextContent.ShouldContain("Nothing has reached the provider yet");
        chart.FindAll("[data-testid=funnel-chart]").ShouldBeEmpty();
    }

    [Fact]
    public void Replies_offer_a_close_button_for_open_conversations_only_and_report_the_click()
    {
        var open = new RepliedRecipient(11, "Ana", "ana@example.org", new DateTime(2026, 11, 23, 12, 0, 0), null);
        var closed = new RepliedRecipient(12, "Ben", "ben@example.org", new DateTime(2026, 11, 23, 12, 1, 0), new DateTime(2026, 11, 23, 13, 0, 0));
        RepliedRecipient? clicked = null;
        var list = Render<RepliesList>(p => p.Add(c => c.Replies, [open, closed]).Add(c => c.OnClose, (RepliedRecipient r) => clicked = r));

        list.FindAll("[data-testid=close-12]").ShouldBeEmpty();
        list.Find("[data-testid=closed-12]").TextContent.ShouldContain("Closed");
        list.Find("[data-testid=close-11]").Click();

        clicked.ShouldBe(open);
    }
}
