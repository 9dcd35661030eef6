using BulkSender.Core.Contacts;

namespace BulkSender.Tests.Core.Contacts;

public sealed class ContactInputValidatorTests
{
    private static readonly ContactInputValidator Validator = new();

    public static TheoryData<string, string, string, string?, string?> Valid => new()
    {
        { "Ana", "email", "ana@example.com", null, null },
        { "Ana", "E-mail", "  Ana@Example.COM ", "vip; newsletter", "no" },
        { "Ben", "whatsapp", "+14155550123", "", "false" },
        { "Ben", "WhatsApp", "+44 (20) 7946-0958", "a|b", "0" },
        { "Cy", "messenger", "7000000000012345", "lead", "yes" },
        { "Cy", "Messenger", "12345", null, "TRUE" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Accepts_well_formed_contacts(string name, string channel, string address, string? tags, string? optedOut)
    {
        var result = Validator.Validate(new ContactInput { Name = name, Channel = channel, Address = address, Tags = tags, OptedOut = optedOut });
        result.IsValid.ShouldBeTrue(string.Join("; ", result.Errors));
    }

    public static TheoryData<string, string, string, string?, string?, string> Invalid => new()
    {
        { "", "email", "a@example.com", null, null, "The name is empty." },
        { new string('x', 201), "email", "a@example.com", null, null, "longer than 200" },
        { "Ana", "", "a@example.com", null, null, "The channel is empty" },
        { "Ana", "sms", "+14155550123", null, null, "Unknown channel 'sms'" },
        { "Ana", "email", "", null, null, "The address is empty." },
        { "Ana", "email", "not-an-email", null, null, "is not a valid e-mail address" },
        { "Ana", "email", "a@b", null, null, "is not a valid e-mail address" },
        { "Ana", "email", "two@@example.com", null, null, "is not a valid e-mail address" },
        { "Ben", "whatsapp", "14155550123", null, null, "is not an E.164 phone number" },
        { "Ben", "whatsapp", "+0155550123", null, null, "is not an E.164 phone number" },
        { "Ben", "whatsapp", "+1415555012345678", null, null, "is not an E.164 phone number" },
        { "Ben", "whatsapp", "+1415abc0123", null, null, "is not an E.164 phone number" },
        { "Cy", "messenger", "", null, null, "The address is empty." },
        { "Cy", "messenger", "psid-abc", null, null, "is not a Messenger page-scoped ID" },
        { "Cy", "messenger", "12345", "good, bad tag!", null, "Tags may use letters" },
        { "Cy", "messenger", "12345", null, "maybe", "opted_out must be true or false, not 'maybe'" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Refuses_bad_rows_with_a_clear_reason(string name, string channel, string address, string? tags, string? optedOut, string reason)
    {
        var result = Validator.Validate(new ContactInput { Name = name, Channel = channel, Address = address, Tags = tags, OptedOut = optedOut });

        result.IsValid.ShouldBeFalse();
        string.Join(" ", result.Errors.Select(e => e.ErrorMessage)).ShouldContain(reason);
    }

    [Theory]
    [InlineData("2026-11-30T14:05:00Z", "2026-11-30T14:05:00")]
    [InlineData("2026-11-30T14:05:00.250Z", "2026-11-30T14:05:00.250")]
    [InlineData("2026-11-30T15:05:00+01:00", "2026-11-30T14:05:00")]
    [InlineData(" 2026-11-30T14:05 ", "2026-11-30T14:05:00")]
    [InlineData("2026-11-30 14:05:00", "2026-11-30T14:05:00")]
    public void Accepts_an_iso_8601_last_inbound_time_read_as_utc_unless_it_names_an_offset(string text, string utc)
    {
        var input = new ContactInput { Name = "Cy", Channel = "messenger", Address = "12345", LastInboundAt = text };

        Validator.Validate(input).IsValid.ShouldBeTrue();
        input.ParsedLastInboundAt.ShouldBe(DateTime.SpecifyKind(
            DateTime.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc));
        input.ParsedLastInboundAt!.Value.Kind.ShouldBe(DateTimeKind.Utc);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("30/11/2026 14:05")]
    [InlineData("2026-11-30")]
    [InlineData("2026-13-01T00:00:00Z")]
    [InlineData("1733000000")]
    public void Refuses_a_last_inbound_time_that_is_not_iso_8601_date_and_time(string text)
    {
        var result = Validator.Validate(new ContactInput { Name = "Cy", Channel = "messenger", Address = "12345", LastInboundAt = text });

        result.IsValid.ShouldBeFalse();
        result.Errors.Single().ErrorMessage.ShouldBe(
            $"last_inbound_at must be an ISO 8601 date and time such as 2026-11-30T14:05:00Z, not '{text}'.");
    }

    [Fact]
    public void Normalizes_addresses_per_channel()
    {
        new ContactInput { Channel = "email", Address = " Ana@Example.COM " }.NormalizedAddress.ShouldBe("ana@example.com");
        new ContactInput { Channel = "whatsapp", Address = "+44 (20) 7946-0958" }.NormalizedAddress.ShouldBe("+442079460958");
        new ContactInput { Channel = "messenger", Address = " 12345 " }.NormalizedAddress.ShouldBe("12345");
        new ContactInput { Tags = "VIP; vip, News|letter" }.ParsedTags.ShouldBe(["vip", "news", "letter"]);
    }
}
