using System.Text.RegularExpressions;
using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Data;

namespace BulkSender.Tests.Core.Data;

public sealed class DemoDataTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Demo_contacts_cover_every_channel_with_valid_unique_addresses()
    {
        var contacts = DemoData.Contacts(5000, Now).ToList();

        contacts.Count.ShouldBe(5000);
        contacts.Select(c => (c.Channel, c.Address)).Distinct().Count().ShouldBe(5000);
        contacts.Select(c => c.Channel).Distinct().Count().ShouldBe(Enum.GetValues<ChannelKind>().Length);
        contacts.Where(c => c.Channel == ChannelKind.WhatsApp).ShouldAllBe(c => Regex.IsMatch(c.Address, @"^\+[1-9]\d{7,14}$"));
        contacts.Where(c => c.Channel == ChannelKind.Email).ShouldAllBe(c => Regex.IsMatch(c.Address, @"^[^@\s]+@[^@\s]+\.[a-z]+$"));
        contacts.Where(c => c.Channel == ChannelKind.Messenger).ShouldAllBe(c => Regex.IsMatch(c.Address, @"^\d{10,20}$"));
    }

    [Fact]
    public void Demo_contacts_have_tags_and_a_few_opted_out()
    {
        var contacts = DemoData.Contacts(5000, Now).ToList();

        var optedOut = contacts.Count(c => c.OptedOut);
        optedOut.ShouldBeInRange(25, 250);
        contacts.Where(c => c.OptedOut).ShouldAllBe(c => c.OptedOutAt != null);
        contacts.Count(c => c.Tags.Count > 0).ShouldBeGreaterThan(2500);
        contacts.SelectMany(c => c.Tags).Select(t => t.Tag).Distinct().Count().ShouldBeGreaterThanOrEqualTo(5);
    }

    [Fact]
    public void Most_demo_Messenger_contacts_are_inside_the_24_hour_window_and_some_are_not()
    {
        var messenger = DemoData.Contacts(5000, Now).Where(c => c.Channel == ChannelKind.Messenger).ToList();

        var inside = messenger.Count(c => MessagingWindow.IsInside(c.LastInboundAt, new DateTimeOffset(Now)));
        inside.ShouldBeGreaterThan(messenger.Count * 3 / 4, "a demo send without a tag reaches most of them");
        (messenger.Count - inside).ShouldBeGreaterThan(messenger.Count / 20, "and the 24-hour rule is visible on some");
        messenger.ShouldAllBe(c => c.LastInboundAt != null && c.LastInboundAt <= Now);
    }

    [Fact]
    public void A_third_of_the_demo_WhatsApp_contacts_wrote_lately_so_free_text_reaches_them_and_the_rest_need_a_template()
    {
        var whatsApp = DemoData.Contacts(5000, Now).Where(c => c.Channel == ChannelKind.WhatsApp).ToList();

        var inside = whatsApp.Count(c => MessagingWindow.IsInside(c.LastInboundAt, new DateTimeOffset(Now)));
        inside.ShouldBeInRange(whatsApp.Count * 3 / 10, whatsApp.Count * 4 / 10);
        whatsApp.Where(c => c.LastInboundAt is not null).ShouldAllBe(c => c.LastInboundAt <= Now);
    }

    [Fact]
    public void Demo_contacts_are_the_same_on_every_start()
    {
        var first = DemoData.Contacts(100, Now).Select(c => c.Address).ToList();
        var second = DemoData.Contacts(100, Now).Select(c => c.Address).ToList();
        second.ShouldBe(first);
    }
}
