using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Core.Personalization;
using BulkSender.Core.Templates;
using Shouldly;
using Xunit;

namespace BulkSender.Tests.Core.Personalization;

public sealed class PersonalizationTests
{
    private static readonly ContactFieldSet Fields = ContactFields.With([new ContactFieldDefinition { Key = "city", Label = "City" }]);

    private static RecipientValues Ana(string? city = null) => new("Ana Lima", "ana@example.com", ChannelKind.Email,
        city is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["city"] = city });

    [Fact]
    public void Renders_fields_and_the_default_filter()
    {
        var text = LiquidText.Parse("Hi {{ first_name | default: \"there\" }} from {{ city | default: \"your town\" }}");
        text.Render(Ana("Lisbon"), Fields).ShouldBe("Hi Ana from Lisbon");
        text.Render(new RecipientValues("", "x@example.com", ChannelKind.Email), Fields).ShouldBe("Hi there from your town");
    }

    [Fact]
    public void An_unknown_field_is_refused_with_its_position()
    {
        var problems = LiquidText.Parse("Hello\nDear {{ citty }}").Problems("Content", Fields).ToList();
        problems.ShouldHaveSingleItem().ShouldStartWith("Content, line 2, column 9: unknown field \"citty\"");
    }

    [Fact]
    public void A_syntax_error_is_refused_with_its_position()
    {
        var problems = LiquidText.Parse("Hi {{ first_name | }}").Problems("Title", Fields).ToList();
        problems.ShouldHaveSingleItem().ShouldContain("line 1, column");
    }

    [Fact]
    public void A_field_without_default_may_be_empty_and_one_with_the_filter_may_not()
    {
        LiquidText.Parse("{{ city }}").MayBeEmpty(Fields).Select(f => f.Key).ShouldBe(["city"]);
        LiquidText.Parse("{{ city | default: \"x\" }}").MayBeEmpty(Fields).ShouldBeEmpty();
    }

    [Fact]
    public void E_mail_carries_a_variant_whose_values_are_escaped_for_the_html_part()
    {
        var renderer = new MessageRenderer("For {{ name }}", "**Hi** {{ city }}", ChannelKind.Email, null, Fields);
        var rendered = renderer.Render(Ana("<b>Porto</b> & co"));
        rendered.Content.ShouldBe("**Hi** <b>Porto</b> & co");
        rendered.HtmlEncodedContent.ShouldBe(@"**Hi** \<b\>Porto\<\/b\> \& co");
        rendered.Title.ShouldBe("For Ana Lima");
        renderer.UsesCustomFields.ShouldBeTrue();
    }

    [Fact]
    public void A_rendered_text_over_the_channel_limit_is_a_problem()
    {
        var renderer = new MessageRenderer("t", "{{ city }}", ChannelKind.Messenger, null, Fields);
        renderer.Render(Ana(new string('x', 1999))).Problem.ShouldBeNull();
        renderer.Render(Ana(new string('x', 2001))).Problem!.ShouldContain("at most 2,000");
    }
}
