using System.Net;
using System.Text.RegularExpressions;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Email;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Compliance;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.Unsubscribe;

[Collection(AppCollection.Name)]
public sealed partial class UnsubscribeTests(AppFixture app)
{
    private static readonly Dictionary<string, string> OneClick = new() { ["List-Unsubscribe"] = "One-Click" };

    private UnsubscribeTokens Tokens => app.Services.GetRequiredService<UnsubscribeTokens>();

    private async Task<string> ContactAsync(ChannelKind channel = ChannelKind.Email)
    {
        var contact = ContactBuilder.Contact(channel);
        await using var db = app.NewDbContext();
        db.Contacts.Add(contact);
        await db.SaveChangesAsync();
        return contact.Address;
    }

    private string Link(string address, ChannelKind channel = ChannelKind.Email) =>
        $"/unsubscribe?token={Uri.EscapeDataString(Tokens.Create(channel, address))}";

    /// <summary>Whether the contact opted out, and whether anything logged an opt-out of it.</summary>
    private async Task<(bool OptedOut, bool Logged)> StateAsync(string address)
    {
        await using var db = app.NewDbContext();
        var optedOut = await db.Contacts.Where(c => c.Address == address).Select(c => c.OptedOut).SingleAsync();
        var logged = await db.Activity.AnyAsync(a => a.Action == "contact.opted_out" && a.Details!.Contains(address));
        return (optedOut, logged);
    }

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\">")]
    private static partial Regex FormAction();

    [Fact]
    public async Task Opening_the_link_changes_nothing_and_shows_the_masked_address_and_an_unsubscribe_form_without_a_login()
    {
        var address = await ContactAsync();
        var link = Link(address);
        using var client = app.NewClient();

        var response = await client.GetAsync(link);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldContain(WebUtility.HtmlEncode(AddressMask.Mask(ChannelKind.Email, address)));
        html.ShouldContain("pe•••@example.org");
        html.ShouldNotContain(address);
        html.ShouldContain("<button type=\"submit\">Unsubscribe</button>");
        WebUtility.HtmlDecode(FormAction().Match(html).Groups[1].Value).ShouldBe(link);
        html.ShouldNotContain("<script");
        response.Headers.CacheControl!.NoStore.ShouldBeTrue();
        (await StateAsync(address)).ShouldBe((false, false));
    }

    [Fact]
    public async Task A_whatsapp_contacts_page_shows_only_the_end_of_the_number()
    {
        var address = await ContactAsync(ChannelKind.WhatsApp);
        using var client = app.NewClient();

        var html = await client.GetStringAsync(Link(address, ChannelKind.WhatsApp));

        html.ShouldContain($"+•••{address[^3..]}");
        html.ShouldNotContain(address);
        (await StateAsync(address)).ShouldBe((false, false));
    }

    [Fact]
    public async Task Pressing_unsubscribe_posts_the_form_opts_the_contact_out_and_says_so()
    {
        var address = await ContactAsync();
        using var client = app.NewClient();
        var page = await client.GetStringAsync(Link(address));
        var action = WebUtility.HtmlDecode(FormAction().Match(page).Groups[1].Value);

        // What a browser sends for a form with no fields: an empty form-encoded body, no cookie, no antiforgery token.
        var response = await client.PostAsync(action, new FormUrlEncodedContent([]));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("You are unsubscribed");
        (await StateAsync(address)).ShouldBe((true, true));
    }

    [Fact]
    public async Task The_one_click_post_a_mail_provider_sends_to_the_List_Unsubscribe_address_opts_out_at_once()
    {
        var address = await ContactAsync();
        var settings = new EmailSettings("smtp.test", 25, SmtpSecurity.None, null, null, "news@shop.example", "Shop", null,
            app.BaseAddress, 1, null, null);
        var mail = EmailChannel.Compose(settings, new OutgoingMessage(1, 1, ChannelKind.Email, address, null, 1, "Sale", "Hello", null),
            Tokens.Link(app.BaseAddress, ChannelKind.Email, address));
        mail.Headers["List-Unsubscribe-Post"].ShouldBe("List-Unsubscribe=One-Click");
        var listUnsubscribe = new Uri(mail.Headers["List-Unsubscribe"]!.Trim('<', '>'));
        using var client = app.NewClient();

        var response = await client.PostAsync(listUnsubscribe, new FormUrlEncodedContent(OneClick));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await StateAsync(address)).ShouldBe((true, true));
    }

    [Fact]
    public async Task Posting_twice_answers_the_same_and_logs_one_opt_out()
    {
        var address = await ContactAsync();
        using var client = app.NewClient();

        var first = await client.PostAsync(Link(address), new FormUrlEncodedContent(OneClick));
        var second = await client.PostAsync(Link(address), new FormUrlEncodedContent(OneClick));

        (first.StatusCode, second.StatusCode).ShouldBe((HttpStatusCode.OK, HttpStatusCode.OK));
        await using var db = app.NewDbContext();
        (await db.Activity.CountAsync(a => a.Action == "contact.opted_out" && a.Details!.Contains(address))).ShouldBe(1);
    }

    public static TheoryData<string> BadQueries => new()
    {
        "",
        "?token=",
        "?token=CfDJ8forged-token-value",
        "?token=a&token=b",
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Opening_a_forged_or_missing_link_says_it_is_not_valid_and_changes_nothing(string query)
    {
        var address = await ContactAsync();
        using var client = app.NewClient();

        var response = await client.GetAsync($"/unsubscribe{query}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("This link is not valid");
        (await StateAsync(address)).ShouldBe((false, false));
    }

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task A_post_with_a_forged_or_missing_token_answers_400_not_the_login_page_and_changes_nothing(string query)
    {
        var address = await ContactAsync();
        using var client = app.NewClient();

        var response = await client.PostAsync($"/unsubscribe{query}", new FormUrlEncodedContent(OneClick));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("This link is not valid");
        (await StateAsync(address)).ShouldBe((false, false));
    }

    [Fact]
    public async Task A_truncated_or_altered_token_of_a_real_contact_answers_400_on_get_and_post_and_changes_nothing()
    {
        var address = await ContactAsync();
        var token = Tokens.Create(ChannelKind.Email, address);
        var altered = token[..^2] + (token[^2] == 'x' ? 'y' : 'x') + token[^1];
        using var client = app.NewClient();

        foreach (var bad in new[] { token[..(token.Length / 2)], token[..^1], altered })
        {
            var link = $"/unsubscribe?token={Uri.EscapeDataString(bad)}";
            (await client.GetAsync(link)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await client.PostAsync(link, new FormUrlEncodedContent(OneClick))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }

        (await StateAsync(address)).ShouldBe((false, false));
    }
}
