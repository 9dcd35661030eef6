using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Email;
using BulkSender.Core.Contacts;
using BulkSender.Core.Personalization;
using BulkSender.Core.Templates;

namespace BulkSender.Tests.Core.Channels;

/// <summary>The Markdown of an e-mail as its HTML part (sanitized) and its plain-text part.</summary>
public sealed class EmailBodyTests
{
    private static readonly ContactFieldSet Fields = ContactFields.With([new ContactFieldDefinition { Key = "city", Label = "City" }]);

    [Fact]
    public void Headings_emphasis_and_lists_become_html_and_readable_text()
    {
        var body = EmailBody.From("# Spring sale\n\nHello **Ana**, it is *on*:\n\n- shoes\n- bags\n\n1. come\n2. buy");

        body.Html.ShouldContain("<h1>Spring sale</h1>");
        body.Html.ShouldContain("<strong>Ana</strong>");
        body.Html.ShouldContain("<em>on</em>");
        body.Html.ShouldContain("<ul>\n<li>shoes</li>\n<li>bags</li>\n</ul>");
        body.Html.ShouldContain("<ol>\n<li>come</li>");
        body.Text.ShouldBe("Spring sale\n\nHello Ana, it is on:\n\n- shoes\n- bags\n\n1. come\n2. buy");
    }

    [Fact]
    public void A_line_break_stays_a_line_break_in_both_parts()
    {
        var body = EmailBody.From("Hello Ada,\nthe sale starts <today>.");

        body.Html.ShouldBe("<p>Hello Ada,<br>\nthe sale starts &lt;today&gt;.</p>");
        body.Text.ShouldBe("Hello Ada,\nthe sale starts <today>.");
    }

    [Fact]
    public void Links_work_in_both_parts_with_the_address_visible_in_the_text()
    {
        var body = EmailBody.From("See [the sale](https://shop.example/sale?x=1&y=2), https://shop.example/faq or <mailto:help@shop.example>.");

        body.Html.ShouldContain("<a href=\"https://shop.example/sale?x=1&amp;y=2\">the sale</a>");
        body.Html.ShouldContain("<a href=\"https://shop.example/faq\">https://shop.example/faq</a>");
        body.Html.ShouldContain("<a href=\"mailto:help@shop.example\">");
        body.Text.ShouldBe("See the sale (https://shop.example/sale?x=1&y=2), https://shop.example/faq or mailto:help@shop.example.");
    }

    [Fact]
    public void Script_tags_raw_html_and_javascript_links_do_not_become_markup()
    {
        var body = EmailBody.From(
            "<script>alert(1)</script>\n\n[click](javascript:alert(1)) <img src=x onerror=alert(1)> ![i](javascript:alert(2))");

        body.Html.ShouldNotContain("<script", Case.Insensitive);
        body.Html.ShouldNotContain("javascript:", Case.Insensitive);
        body.Html.ShouldNotContain("<img src=x", Case.Insensitive);
        body.Html.ShouldContain("&lt;img src=x onerror=alert(1)&gt;");
        body.Html.ShouldContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }

    [Theory]
    [InlineData("<b>x</b>")]
    [InlineData("[a](javascript:alert(1))")]
    [InlineData("**loud** _quiet_ `code`")]
    [InlineData("# heading")]
    [InlineData("- not a list")]
    [InlineData("&lt;b&gt; \\*")]
    public void A_personalized_value_is_text_in_the_html_part_whatever_it_holds(string city)
    {
        var rendered = new MessageRenderer("Hi", "Hello **{{ city }}**!", ChannelKind.Email, null, Fields)
            .Render(new RecipientValues("Ana", "ana@example.com", ChannelKind.Email, new Dictionary<string, string> { ["city"] = city }));

        var body = EmailBody.From(rendered.HtmlEncodedContent!, rendered.Content);

        body.Html.ShouldBe($"<p>Hello <strong>{System.Net.WebUtility.HtmlEncode(city).Replace("&#39;", "'")}</strong>!</p>");
        rendered.Content.ShouldBe($"Hello **{city}**!");
    }

    [Fact]
    public void A_value_that_is_a_url_is_a_link_in_running_text_and_as_a_link_destination()
    {
        var fields = ContactFields.With([new ContactFieldDefinition { Key = "coupon", Label = "Coupon" }]);
        var rendered = new MessageRenderer("Hi", "Yours: {{ coupon }} or [open it]({{ coupon }})", ChannelKind.Email, null, fields)
            .Render(new RecipientValues("Ana", "ana@example.com", ChannelKind.Email,
                new Dictionary<string, string> { ["coupon"] = "https://shop.example/c/ANA-10?src=mail" }));

        var body = EmailBody.From(rendered.HtmlEncodedContent!, rendered.Content);

        body.Html.ShouldBe("<p>Yours: <a href=\"https://shop.example/c/ANA-10?src=mail\">https://shop.example/c/ANA-10?src=mail</a> or " +
            "<a href=\"https://shop.example/c/ANA-10?src=mail\">open it</a></p>");
        body.Text.ShouldBe("Yours: https://shop.example/c/ANA-10?src=mail or open it (https://shop.example/c/ANA-10?src=mail)");
    }
}
