using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using Microsoft.AspNetCore.DataProtection;

namespace BulkSender.Tests.Core.Compliance;

public sealed class UnsubscribeTokenTests
{
    private readonly UnsubscribeTokens tokens = new(new EphemeralDataProtectionProvider());

    [Fact]
    public void A_token_names_its_contact_and_hides_the_address()
    {
        var token = tokens.Create(ChannelKind.Email, "ada@example.org");

        token.ShouldNotContain("ada");
        tokens.Read(token).ShouldBe((ChannelKind.Email, "ada@example.org"));
    }

    [Fact]
    public void A_token_of_another_contact_differs()
    {
        tokens.Create(ChannelKind.Email, "ada@example.org").ShouldNotBe(tokens.Create(ChannelKind.Email, "grace@example.org"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("CfDJ8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void A_forged_or_malformed_token_names_nobody(string? token)
    {
        tokens.Read(token).ShouldBeNull();
    }

    [Fact]
    public void An_altered_token_names_nobody()
    {
        var token = tokens.Create(ChannelKind.Email, "ada@example.org");
        var altered = token[..^3] + (token[^3] == 'A' ? 'B' : 'A') + token[^2..];

        tokens.Read(altered).ShouldBeNull();
    }

    [Fact]
    public void A_token_made_with_other_keys_names_nobody()
    {
        var foreign = new UnsubscribeTokens(new EphemeralDataProtectionProvider()).Create(ChannelKind.Email, "ada@example.org");

        tokens.Read(foreign).ShouldBeNull();
    }
}
