using System.Net;
using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.Unsubscribe;

[Collection(AppCollection.Name)]
public sealed class UnsubscribeTests(AppFixture app)
{
    private UnsubscribeTokens Tokens => app.Services.GetRequiredService<UnsubscribeTokens>();

    private async Task<string> ContactAsync()
    {
        var contact = ContactBuilder.Contact(ChannelKind.Email);
        await using var db = app.NewDbContext();
        db.Contacts.Add(contact);
        await db.SaveChangesAsync();
        return contact.Address;
    }

    private async Task<bool> OptedOutAsync(string address)
    {
        await using var db = app.NewDbContext();
        return await db.Contacts.Where(c => c.Channel == ChannelKind.Email && c.Address == address).Select(c => c.OptedOut).SingleAsync();
    }

    [Fact]
    public async Task The_link_in_an_email_opts_the_contact_out_without_a_login_and_says_so()
    {
        var address = await ContactAsync();
        using var client = app.NewClient();

        var response = await client.GetAsync($"/unsubscribe?token={Uri.EscapeDataString(Tokens.Create(ChannelKind.Email, address))}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("You are unsubscribed");
        (await OptedOutAsync(address)).ShouldBeTrue();
        await using var db = app.NewDbContext();
        (await db.Activity.AnyAsync(a => a.Action == "contact.opted_out" && a.Details!.Contains(address))).ShouldBeTrue();
    }

    [Fact]
    public async Task One_click_post_from_a_mail_client_opts_out_too()
    {
        var address = await ContactAsync();
        using var client = app.NewClient();

        var response = await client.PostAsync($"/unsubscribe?token={Uri.EscapeDataString(Tokens.Create(ChannelKind.Email, address))}",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await OptedOutAsync(address)).ShouldBeTrue();
    }

    [Theory]
    [InlineData("")]
    [InlineData("?token=")]
    [InlineData("?token=CfDJ8forged-token-value")]
    public async Task A_forged_or_missing_token_changes_nothing(string query)
    {
        var address = await ContactAsync();
        using var client = app.NewClient();

        var response = await client.GetAsync($"/unsubscribe{query}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("This link is not valid");
        (await OptedOutAsync(address)).ShouldBeFalse();
    }

    [Fact]
    public async Task An_altered_token_of_a_real_contact_changes_nothing()
    {
        var address = await ContactAsync();
        var token = Tokens.Create(ChannelKind.Email, address);
        var altered = token[..^2] + (token[^2] == 'x' ? 'y' : 'x') + token[^1];
        using var client = app.NewClient();

        var response = await client.GetAsync($"/unsubscribe?token={Uri.EscapeDataString(altered)}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await OptedOutAsync(address)).ShouldBeFalse();
    }
}
