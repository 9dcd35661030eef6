using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Email;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Compliance;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace BulkSender.Tests.Core.Channels;

[SuppressMessage("Design", "CA1001", Justification = "xUnit disposes what the class owns through IAsyncLifetime.DisposeAsync.")]
public sealed class EmailChannelTests : IAsyncLifetime
{
    private TestDatabase database = null!;
    private SmtpTestServer smtp = null!;
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        smtp = new SmtpTestServer { Credentials = ("mailer", "s3cret-pass") };
        services = Build("s3cret-pass");
    }

    private ServiceProvider Build(string password) => ChannelServices.Build(database, new Dictionary<string, string?>
    {
        ["Channels:Email:Host"] = "127.0.0.1",
        ["Channels:Email:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
        ["Channels:Email:Security"] = "None",
        ["Channels:Email:UserName"] = "mailer",
        ["Channels:Email:Password"] = password,
        ["Channels:Email:FromAddress"] = "news@shop.example",
        ["Channels:Email:FromName"] = "Shop News",
        ["Channels:Email:ReplyTo"] = "help@shop.example",
        ["Channels:Email:PublicBaseUrl"] = "https://bulk.shop.example/",
        ["Channels:Email:MaxConnections"] = "2",
    });

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await smtp.DisposeAsync();
        await database.DisposeAsync();
    }

    private IRealChannel Channel => services.GetRequiredKeyedService<IRealChannel>(ChannelKind.Email);

    private static OutgoingMessage Message(string address = "ada@example.org", string content = "Hello Ada,\nthe sale starts <today>.") =>
        new(11, 5, ChannelKind.Email, address, "Ada Lovelace", 1, "Spring sale", content, null);

    private static MimeMessage Parse(SmtpMessage message) => MimeMessage.Load(new MemoryStream(System.Text.Encoding.Latin1.GetBytes(message.Data)));

    [Fact]
    public async Task A_mail_whose_rate_slot_passed_on_its_way_goes_in_the_next_slot_once_its_connection_is_ready()
    {
        var result = await ProviderCallSlotsTests.SendWithLateSlotAsync(database, Channel, Message(), () => smtp.Messages.Count);

        result.Succeeded.ShouldBeTrue(result.ErrorMessage);
    }

    [Fact]
    public async Task A_mail_whose_channel_was_paused_on_its_way_is_not_sent_and_is_no_smtp_failure()
    {
        var clock = new TimerWatchingClock();
        var limiter = RateLimiterTests.Limiter(database, clock, new ChannelsOptions { RatePerSecond = { [ChannelKind.Email] = 10 } });
        var pauses = RateLimiterTests.Pauses(database, clock);
        var slots = new ProviderCallSlots(limiter, await limiter.TakeAsync(ChannelKind.Email, default), pauses);
        (await pauses.PauseAsync(ChannelKind.Email, "auth", "the SMTP server refused the credentials", default)).ShouldBeTrue();

        await Should.ThrowAsync<ChannelPausedException>(Channel.SendAsync(Message() with { CallSlots = slots }, CancellationToken.None));

        smtp.Messages.ShouldBeEmpty();
        (await Channel.SendAsync(Message(), CancellationToken.None)).Succeeded.ShouldBeTrue("the connection went back to the pool, usable");
    }

    [Fact]
    public async Task Sends_a_text_and_html_mail_with_a_signed_unsubscribe_link_and_header()
    {
        var result = await Channel.SendAsync(Message(), CancellationToken.None);

        result.Succeeded.ShouldBeTrue(result.ErrorMessage);
        var received = smtp.Messages.Single();
        received.From.ShouldBe("news@shop.example");
        received.To.ShouldBe(["ada@example.org"]);
        var mail = Parse(received);
        mail.MessageId.ShouldBe(result.ProviderMessageId);
        mail.Subject.ShouldBe("Spring sale");
        mail.From.Mailboxes.Single().ToString().ShouldBe("\"Shop News\" <news@shop.example>");
        mail.ReplyTo.Mailboxes.Single().Address.ShouldBe("help@shop.example");
        mail.To.Mailboxes.Single().Name.ShouldBe("Ada Lovelace");

        var header = mail.Headers["List-Unsubscribe"];
        header.ShouldStartWith("<https://bulk.shop.example/unsubscribe?token=");
        mail.Headers["List-Unsubscribe-Post"].ShouldBe("List-Unsubscribe=One-Click");
        var link = header.Trim('<', '>');
        var token = Uri.UnescapeDataString(new Uri(link).Query["?token=".Length..]);
        services.GetRequiredService<UnsubscribeTokens>().Read(token).ShouldBe((ChannelKind.Email, "ada@example.org"));

        mail.TextBody!.ShouldContain("the sale starts <today>.");
        mail.TextBody!.ShouldContain(link);
        mail.HtmlBody!.ShouldContain("the sale starts &lt;today&gt;.");
        mail.HtmlBody!.ShouldContain($"href=\"{System.Net.WebUtility.HtmlEncode(link)}\"");
    }

    [Fact]
    public async Task Parallel_sends_share_at_most_the_configured_connections()
    {
        var results = await Task.WhenAll(Enumerable.Range(1, 12).Select(i =>
            Channel.SendAsync(Message($"person{i}@example.org"), CancellationToken.None)));

        results.ShouldAllBe(r => r.Succeeded);
        smtp.Messages.Count.ShouldBe(12);
        smtp.Connections.ShouldBeInRange(1, 2);
        services.GetRequiredService<SmtpConnectionPool>().Opened.ShouldBe(smtp.Connections);
    }

    [Fact]
    public async Task One_connection_serves_consecutive_sends_even_after_a_refused_recipient()
    {
        smtp.RejectRecipient = to => to.StartsWith("nobody", StringComparison.Ordinal)
            ? "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown" : null;

        var first = await Channel.SendAsync(Message("one@example.org"), CancellationToken.None);
        var refused = await Channel.SendAsync(Message("nobody@example.org"), CancellationToken.None);
        var third = await Channel.SendAsync(Message("three@example.org"), CancellationToken.None);

        (first.Succeeded, third.Succeeded).ShouldBe((true, true));
        refused.ErrorType.ShouldBe(ErrorType.InvalidRecipient);
        refused.ErrorCode.ShouldBe("550 5.1.1");
        smtp.Connections.ShouldBe(1);
        smtp.Messages.Select(m => m.Connection).Distinct().ShouldBe([1]);
    }

    public static TheoryData<string, ErrorType, string> Refusals => new()
    {
        { "550 5.1.1 User unknown", ErrorType.InvalidRecipient, "550 5.1.1" },
        { "553 5.1.3 Bad recipient address syntax", ErrorType.InvalidRecipient, "553 5.1.3" },
        { "550 5.7.1 Relaying denied", ErrorType.Permission, "550 5.7.1" },
        { "451 4.7.1 Rate limit exceeded, try again later", ErrorType.RateLimit, "451 4.7.1" },
        { "450 4.2.1 Too many messages, slow down", ErrorType.RateLimit, "450 4.2.1" },
        { "451 4.3.0 Temporary local problem", ErrorType.Network, "451 4.3.0" },
        { "452 4.3.1 Insufficient system storage", ErrorType.Network, "452 4.3.1" },
        { "550 Mailbox unavailable", ErrorType.InvalidRecipient, "550" },
        { "552 5.2.2 Mailbox full", ErrorType.Other, "552 5.2.2" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Smtp_refusals_map_to_error_types(string reply, ErrorType type, string code)
    {
        smtp.RejectRecipient = _ => reply;

        var result = await Channel.SendAsync(Message(), CancellationToken.None);

        result.ErrorType.ShouldBe(type);
        result.ErrorCode.ShouldBe(code);
        smtp.Messages.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_refused_message_after_data_is_mapped_too()
    {
        smtp.RejectData = _ => "554 5.7.1 Message rejected as spam";

        var result = await Channel.SendAsync(Message(), CancellationToken.None);

        result.ErrorType.ShouldBe(ErrorType.Permission);
        result.ErrorCode.ShouldBe("554 5.7.1");
    }

    [Fact]
    public async Task Wrong_credentials_are_an_access_token_failure()
    {
        await using var wrong = Build("not-the-password");

        var result = await wrong.GetRequiredKeyedService<IRealChannel>(ChannelKind.Email).SendAsync(Message(), CancellationToken.None);

        result.ErrorType.ShouldBe(ErrorType.AccessToken);
        result.ErrorCode.ShouldBe("535");
    }

    [Fact]
    public async Task A_server_that_is_not_there_is_a_network_failure()
    {
        await smtp.DisposeAsync();

        var result = await Channel.SendAsync(Message(), CancellationToken.None);

        result.ErrorType.ShouldBe(ErrorType.Network);
        smtp = new SmtpTestServer();
    }

    [Fact]
    public async Task An_address_that_is_not_an_email_is_an_invalid_recipient_and_nothing_is_sent()
    {
        var result = await Channel.SendAsync(Message("not an address"), CancellationToken.None);

        (result.ErrorType, result.ErrorCode).ShouldBe((ErrorType.InvalidRecipient, "address"));
        smtp.Connections.ShouldBe(0);
    }
}
