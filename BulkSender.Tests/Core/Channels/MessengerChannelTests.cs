using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Messenger;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Core.Channels;

public sealed class MessengerChannelTests : ProviderTest
{
    private const string Token = "EAAG-page-token-1234";

    protected override IDictionary<string, string?> Configuration(Uri server) => new Dictionary<string, string?>
    {
        ["Channels:Messenger:BaseUrl"] = server.ToString(),
        ["Channels:Messenger:ApiVersion"] = "v23.0",
        ["Channels:Messenger:PageId"] = "1122334455",
        ["Channels:Messenger:AccessToken"] = Token,
        [RealChannelsRegistration.TimeoutKey] = "1",
    };

    private IRealChannel Channel => Services.GetRequiredKeyedService<IRealChannel>(ChannelKind.Messenger);

    private static OutgoingMessage Message(string? tag = null) =>
        new(7, 3, ChannelKind.Messenger, "2460001234567", "Ada", 1, "Title", "Hello from the page", tag);

    [Fact]
    public async Task Posts_the_send_api_request_with_the_page_token_and_keeps_the_message_id()
    {
        Server.AnswerJson(200, """{"recipient_id":"2460001234567","message_id":"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM"}""");

        var result = await Channel.SendAsync(Message(), CancellationToken.None);

        (result.Succeeded, result.ProviderMessageId, result.ErrorCode).ShouldBe((true, "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM", (string?)null));
        result.AcceptedAt.ShouldNotBeNull();
        var request = Server.Requests.Single();
        request.Method.ShouldBe("POST");
        request.Path.ShouldBe("/v23.0/1122334455/messages");
        request.Authorization.ShouldBe($"Bearer {Token}");
        request.Query.ShouldNotContain(Token);
        using var body = JsonDocument.Parse(request.Body);
        body.RootElement.GetProperty("recipient").GetProperty("id").GetString().ShouldBe("2460001234567");
        body.RootElement.GetProperty("messaging_type").GetString().ShouldBe("UPDATE");
        body.RootElement.GetProperty("message").GetProperty("text").GetString().ShouldBe("Hello from the page");
        body.RootElement.TryGetProperty("tag", out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("CONFIRMED_EVENT_UPDATE", "UPDATE", null)]
    [InlineData("account_update", "UPDATE", null)]
    [InlineData("POST_PURCHASE_UPDATE", "UPDATE", null)]
    [InlineData("HUMAN_AGENT", "UPDATE", null)]
    [InlineData("RESPONSE", "RESPONSE", null)]
    public async Task A_bulk_message_carries_no_tag_even_when_saved_with_one(string tag, string messagingType, string? sentTag)
    {
        Server.AnswerJson(200, """{"recipient_id":"2460001234567","message_id":"m_1"}""");

        await Channel.SendAsync(Message(tag), CancellationToken.None);

        using var body = JsonDocument.Parse(Server.Requests.Single().Body);
        body.RootElement.GetProperty("messaging_type").GetString().ShouldBe(messagingType);
        (body.RootElement.TryGetProperty("tag", out var t) ? t.GetString() : null).ShouldBe(sentTag);
    }

    [Fact]
    public async Task A_persons_reply_goes_with_the_human_agent_tag()
    {
        Server.AnswerJson(200, """{"recipient_id":"2460001234567","message_id":"m_1"}""");

        await Channel.SendAsync(Message() with { IsHumanReply = true }, CancellationToken.None);

        using var body = JsonDocument.Parse(Server.Requests.Single().Body);
        body.RootElement.GetProperty("messaging_type").GetString().ShouldBe("MESSAGE_TAG");
        body.RootElement.GetProperty("tag").GetString().ShouldBe("HUMAN_AGENT");
    }

    private const string Expired = "the Page access token expired or was revoked: paste a new one in Settings: ";
    private const string NotAvailable = "this person is not available (turned off messages from the Page): ";

    public static TheoryData<int, int, int?, ErrorType, string, string> GraphErrors => new()
    {
        { 400, 190, 460, ErrorType.AccessToken, "190/460", Expired },
        { 400, 190, null, ErrorType.AccessToken, "190", Expired },
        { 400, 4, null, ErrorType.RateLimit, "4", "" },
        { 400, 17, null, ErrorType.RateLimit, "17", "" },
        { 400, 32, null, ErrorType.RateLimit, "32", "" },
        { 400, 613, null, ErrorType.RateLimit, "613", "" },
        { 400, 100, 2018022, ErrorType.RateLimit, "100/2018022", "" },
        { 400, 551, 1545041, ErrorType.InvalidRecipient, "551/1545041", NotAvailable },
        { 400, 100, 2018001, ErrorType.InvalidRecipient, "100/2018001", "no matching user: this person cannot be reached: " },
        { 400, 100, null, ErrorType.Other, "100", "" },
        { 403, 10, null, ErrorType.Permission, "10", "" },
        { 403, 200, null, ErrorType.Permission, "200", "" },
        { 403, 230, null, ErrorType.Permission, "230", "" },
        { 500, 1, null, ErrorType.Network, "1", "" },
        { 500, 2, null, ErrorType.Network, "2", "" },
        { 400, 1200, null, ErrorType.Network, "1200", "" },
        { 503, 999999, null, ErrorType.Network, "999999", "" },
    };

    [Theory]
    [MemberData(nameof(GraphErrors))]
    public async Task Graph_errors_map_to_error_types(int status, int code, int? subcode, ErrorType type, string errorCode, string reason)
    {
        Server.AnswerJson(status, ProviderServer.GraphError(code, $"(#{code}) Something the provider says", subcode));

        var result = await Channel.SendAsync(Message(), CancellationToken.None);

        result.Succeeded.ShouldBeFalse();
        result.ErrorType.ShouldBe(type);
        result.ErrorCode.ShouldBe(errorCode);
        result.ErrorMessage.ShouldBe($"{reason}(#{code}) Something the provider says [fbtrace_id AbCdEfGh123]");
    }

    [Fact]
    public async Task Outside_the_messaging_window_is_a_permission_failure_that_says_so()
    {
        Server.AnswerJson(400, ProviderServer.GraphError(10, "(#10) This message is sent outside of allowed window.", 2018278));

        var result = await Channel.SendAsync(Message(), CancellationToken.None);

        result.ErrorType.ShouldBe(ErrorType.Permission);
        result.ErrorCode.ShouldBe("10/2018278");
        result.ErrorMessage!.ShouldStartWith("outside the 24-hour messaging window: (#10) This message is sent outside of allowed window.");
    }

    [Fact]
    public async Task A_rate_limit_reply_carries_the_wait_the_provider_asks_for()
    {
        Server.AnswerJson(429, ProviderServer.GraphError(613, "Calls to this api have exceeded the rate limit."), r => r.Headers.RetryAfter = "120");

        var result = await Channel.SendAsync(Message(), CancellationToken.None);

        result.ErrorType.ShouldBe(ErrorType.RateLimit);
        result.ErrorMessage!.ShouldContain("retry after 120 s");
        GraphApi.RetryAfter(result.ErrorMessage).ShouldBe(TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task Business_use_case_usage_gives_the_wait_when_there_is_no_retry_after()
    {
        Server.AnswerJson(400, ProviderServer.GraphError(80006, "There have been too many messages sent to this Messenger account."),
            r => r.Headers["X-Business-Use-Case-Usage"] =
                """{"1122334455":[{"type":"messenger","call_count":100,"estimated_time_to_regain_access":3}]}""");

        var result = await Channel.SendAsync(Message(), CancellationToken.None);

        result.ErrorType.ShouldBe(ErrorType.RateLimit);
        GraphApi.RetryAfter(result.ErrorMessage).ShouldBe(TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task A_5xx_without_a_graph_body_is_a_network_failure()
    {
        Server.Respond = (_, ctx) =>
        {
            ctx.Response.StatusCode = 502;
            return Task.CompletedTask;
        };

        var result = await Channel.SendAsync(Message(), CancellationToken.None);

        result.ErrorType.ShouldBe(ErrorType.Network);
        result.ErrorCode.ShouldBe("http_502");
    }

    [Fact]
    public async Task A_timeout_is_a_network_failure_and_the_request_is_not_sent_again()
    {
        Server.Respond = async (_, ctx) => await Task.Delay(TimeSpan.FromSeconds(5), ctx.RequestAborted);

        var result = await Channel.SendAsync(Message(), CancellationToken.None);

        result.ErrorType.ShouldBe(ErrorType.Network);
        result.ErrorCode.ShouldBe("timeout");
        Server.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_refused_connection_is_a_network_failure()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await Services.GetRequiredService<ChannelSettingsStore>().SaveAsync(new ChannelSettingsInput(ChannelKind.Messenger,
            new Dictionary<string, string?> { ["BaseUrl"] = $"http://127.0.0.1:{closedPort}" }), Actor.System, CancellationToken.None);

        var result = await Channel.SendAsync(Message(), CancellationToken.None);

        result.ErrorType.ShouldBe(ErrorType.Network);
        result.ErrorCode.ShouldBe("connection");
    }

    [Fact]
    public async Task A_token_saved_in_settings_is_used_by_the_next_send_without_a_restart()
    {
        Server.AnswerJson(200, """{"recipient_id":"2460001234567","message_id":"m_2"}""");
        await Services.GetRequiredService<ChannelSettingsStore>().SaveAsync(new ChannelSettingsInput(ChannelKind.Messenger,
            new Dictionary<string, string?> { ["AccessToken"] = "EAAG-rotated-token-9876" }), Actor.System, CancellationToken.None);

        await Channel.SendAsync(Message(), CancellationToken.None);

        Server.Requests.Single().Authorization.ShouldBe("Bearer EAAG-rotated-token-9876");
    }

    [Fact]
    public async Task Without_a_token_it_is_not_configured_and_sends_nothing()
    {
        await using var bare = ChannelServices.Build(Database,
            new Dictionary<string, string?> { ["Channels:Messenger:BaseUrl"] = Server.BaseAddress.ToString() });
        var channel = bare.GetRequiredKeyedService<IRealChannel>(ChannelKind.Messenger);

        (await channel.IsConfiguredAsync(CancellationToken.None)).ShouldBeFalse();
        (await channel.SendAsync(Message(), CancellationToken.None)).ErrorCode.ShouldBe("not_configured");
        (await Channel.IsConfiguredAsync(CancellationToken.None)).ShouldBeTrue();
        Server.Requests.ShouldBeEmpty();
    }
}
