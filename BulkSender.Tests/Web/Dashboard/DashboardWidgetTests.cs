using BulkSender.Core.Channels;
using BulkSender.Core.Dashboard;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Dashboard;
using BulkSender.Web.Features.Messages;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

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
        var daily = days
            .SelectMany(day => Enum.GetValues<ChannelKind>().Select(c => new DailySends(day, c, c == ChannelKind.Email ? day.Day : 0, 0)))
            .ToList();

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

    private static readonly DateTime Now = new(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc);

    private ProgressFeed Feed()
    {
        var feed = new ProgressFeed(NullLogger<ProgressFeed>.Instance);
        Services.AddSingleton(feed);
        return feed;
    }

    private static MessageProgress Progress(int id, MessageStatus status, int total, int sent, int failed, DateTime? completedAt = null) =>
        new(id, $"Send {id}", status, ChannelKind.Email, total, sent, failed, 0, (total + 99) / 100, null, null, Now, completedAt, []);

    [Fact]
    public void Sends_in_flight_move_their_bars_as_progress_arrives_and_leave_when_done()
    {
        var feed = Feed();
        var list = Render<InFlightList>(p =>
            p.Add(c => c.Initial, [new InFlightSend(4, "Black Friday", ChannelKind.Email, MessageStatus.Sending, 250, 40, 0, 0)]));
        list.Find("[data-testid=in-flight-4-text]").TextContent.Trim().ShouldBe("40 of 250 processed");
        list.Find("[data-testid=in-flight-4] [role=progressbar]").GetAttribute("aria-valuenow").ShouldBe("16");

        feed.Publish(Progress(4, MessageStatus.Sending, 250, 180, 20));
        list.WaitForAssertion(() => list.Find("[data-testid=in-flight-4-text]").TextContent.Trim().ShouldBe("200 of 250 processed · 20 failed"));
        list.Find("[data-testid=in-flight-4] [role=progressbar]").GetAttribute("aria-valuenow").ShouldBe("80");

        feed.Publish(Progress(9, MessageStatus.Sending, 100, 5, 0));
        list.WaitForAssertion(() => list.Find("[data-testid=in-flight-9-text]").TextContent.Trim().ShouldBe("5 of 100 processed"));

        feed.Publish(Progress(4, MessageStatus.PartiallySent, 250, 230, 20, completedAt: Now));
        list.WaitForAssertion(() => list.FindAll("[data-testid=in-flight-4]").ShouldBeEmpty());
        list.FindAll("[data-testid=in-flight-9]").ShouldHaveSingleItem();
    }

    [Fact]
    public void Sends_in_flight_say_when_nothing_is_sending_and_ignore_scheduled_sends()
    {
        var feed = Feed();
        var list = Render<InFlightList>(p => p.Add(c => c.Initial, []));

        feed.Publish(Progress(5, MessageStatus.Scheduled, 100, 0, 0));

        list.Find("[data-testid=in-flight-empty]").TextContent.ShouldBe("Nothing is sending right now.");
        list.FindAll("[data-testid=in-flight-5]").ShouldBeEmpty();
    }

    [Fact]
    public void Retry_queue_shows_retryable_counts_and_when_each_policy_retries()
    {
        Services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(Now)));
        var items = new[]
        {
            new RetryQueueItem(3, "Black Friday", ChannelKind.Email, 15, RetryPolicyType.Scheduled, Now.AddMinutes(12), 1, 3),
            new RetryQueueItem(8, "Reminder", ChannelKind.WhatsApp, 2, RetryPolicyType.Manual, null, 0, 3),
        };

        var list = Render<RetryQueueList>(p => p.Add(c => c.Items, items));

        list.Find("[data-testid=retry-queue-3]").TextContent.ShouldContain("15 retryable · 1 of 2 retries used · next retry 10:12 UTC (in 12 min)");
        list.Find("[data-testid=retry-queue-8]").TextContent.ShouldContain("2 retryable · 0 of 2 retries used · manual: retry from the message");
        list.FindAll("a[href='/messages/3']").ShouldNotBeEmpty();
    }

    [Fact]
    public void Retry_queue_has_an_empty_state()
    {
        Services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(Now)));

        var list = Render<RetryQueueList>(p => p.Add(c => c.Items, []));

        list.Find("[data-testid=retry-queue-empty]").TextContent.ShouldBe("No failed recipients waiting for a retry.");
    }
}
