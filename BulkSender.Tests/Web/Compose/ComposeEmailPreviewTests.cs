using BulkSender.Core.Channels;
using BulkSender.Core.Templates;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Compose;
using BulkSender.Web.Features.Contacts;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.Compose;

/// <summary>The e-mail preview beside the content: the adapter's HTML, sanitized, for the first recipient (bUnit).</summary>
public sealed class ComposeEmailPreviewTests : MudTestContext, IAsyncLifetime
{
    private CoreHost host = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        host = await CoreHost.StartAsync(contacts: 30);
        ComposeServices.AddTo(this, host);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await host.DisposeAsync();
    }

    [Fact]
    public void Markdown_is_shown_as_html_and_scripts_and_javascript_links_are_not()
    {
        var preview = Render<ComposeEmailPreview>(p => p
            .Add(c => c.Title, "Sale for {{ first_name }}")
            .Add(c => c.Content, "Hi **{{ first_name }}**, see [the sale](https://shop.example/sale)\n\n" +
                "<script>alert(1)</script> [x](javascript:alert(1))"));

        preview.Find("[data-testid=email-preview-subject]").TextContent.ShouldBe("Subject: Sale for {{ first_name }}");
        var body = preview.Find("[data-testid=email-preview-body]");
        body.QuerySelector("strong")!.TextContent.ShouldBe("{{ first_name }}");
        body.QuerySelector("a[href='https://shop.example/sale']")!.TextContent.ShouldBe("the sale");
        body.QuerySelectorAll("script").ShouldBeEmpty();
        body.TextContent.ShouldContain("<script>alert(1)</script>");
        body.InnerHtml.ShouldNotContain("javascript:");
    }

    [Fact]
    public void With_a_recipient_the_fields_are_theirs_and_a_value_stays_text()
    {
        var preview = Render<ComposeEmailPreview>(p => p
            .Add(c => c.Title, "Sale for {{ first_name }}")
            .Add(c => c.Content, "Hi **{{ name }}**")
            .Add(c => c.Sample, new RecipientValues("<b>Ana</b> Lima", "ana@example.com", ChannelKind.Email)));

        preview.Markup.ShouldContain("Preview for &lt;b&gt;Ana&lt;/b&gt; Lima");
        preview.Find("[data-testid=email-preview-subject]").TextContent.ShouldBe("Subject: Sale for <b>Ana</b>");
        var strong = preview.Find("[data-testid=email-preview-body] strong");
        strong.TextContent.ShouldBe("<b>Ana</b> Lima");
        strong.QuerySelectorAll("b").ShouldBeEmpty();
    }

    [Fact]
    public async Task On_the_compose_page_an_e_mail_shows_the_help_and_a_live_preview_for_the_first_recipient()
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 3);
        Services.GetRequiredService<ContactSelection>().AddRange(ids);
        string first;
        await using (var db = host.NewDbContext())
            first = (await db.Contacts.Where(c => c.Id == ids[0]).Select(c => c.Name).SingleAsync()).Split(' ')[0];
        Render<MudBlazor.MudPopoverProvider>();
        var page = Render<ComposePage>();
        page.WaitForAssertion(() => page.Find("[data-testid=recipient-count]").TextContent.ShouldContain("3 recipients"));

        page.Markup.ShouldContain("Markdown: **bold**, *italic*, [link](https://…), lists");
        page.Find("input[data-testid=title]").Input("News for {{ first_name }}");
        page.Find("textarea[data-testid=content]").Input("# Hello {{ first_name }}\n\n- one\n- two");

        page.WaitForAssertion(() =>
            page.Find("[data-testid=email-preview-body] h1").TextContent.ShouldBe($"Hello {first}"));
        page.FindAll("[data-testid=email-preview-body] li").Count.ShouldBe(2);
        page.Find("[data-testid=email-preview-subject]").TextContent.ShouldBe($"Subject: News for {first}");
    }

    [Fact]
    public async Task Other_channels_have_no_e_mail_preview()
    {
        Services.GetRequiredService<ContactSelection>().AddRange(await host.ActiveContactIdsAsync(ChannelKind.Messenger, 2));
        Render<MudBlazor.MudPopoverProvider>();
        var page = Render<ComposePage>();
        page.WaitForAssertion(() => page.Find("[data-testid=recipient-count]").TextContent.ShouldContain("2 recipients"));

        page.FindAll("[data-testid=email-preview]").ShouldBeEmpty();
        page.Markup.ShouldNotContain("Markdown: **bold**");
    }
}
