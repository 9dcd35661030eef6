using System.Globalization;
using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.WhatsApp;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Core.Channels;

public sealed class WhatsAppChannelTests : ProviderTest
{
    private const string Token = "EAAJ-whatsapp-token-5678";

    protected override IDictionary<string, string?> Configuration(Uri server) => new Dictionary<string, string?>
    {
        ["Channels:WhatsApp:BaseUrl"] = server.ToString(),
        ["Channels:WhatsApp:ApiVersion"] = "v23.0",
        ["Channels:WhatsApp:PhoneNumberId"] = "106540352242922",
        ["Channels:WhatsApp:AccessToken"] = Token,
    };

    private IRealChannel Channel => Services.GetRequiredKeyedService<IRealChannel>(ChannelKind.WhatsApp);

    private static readonly OutgoingMessage Message = new(9, 4, ChannelKind.WhatsApp, "+14155550123", "Grace", 1, "Title",
        "Your order shipped", null);

    [Fact]
    public async Task Posts_a_cloud_api_text_message_and_keeps_the_wamid()
    {
        Server.AnswerJson(200, """
            {"messaging_product":"whatsapp","contacts":[{"input":"14155550123","wa_id":"14155550123"}],
             "messages":[{"id":"wamid.HBgLMTQxNTU1NTAxMjMVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}]}
            """);

        var result = await Channel.SendAsync(Message, CancellationToken.None);

        (result.Succeeded, result.ProviderMessageId).ShouldBe((true, "wamid.HBgLMTQxNTU1NTAxMjMVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"));
        result.AcceptedAt.ShouldNotBeNull();
        var request = Server.Requests.Single();
        request.Path.ShouldBe("/v23.0/106540352242922/messages");
        request.Authorization.ShouldBe($"Bearer {Token}");
        using var body = JsonDocument.Parse(request.Body);
        body.RootElement.GetProperty("messaging_product").GetString().ShouldBe("whatsapp");
        body.RootElement.GetProperty("to").GetString().ShouldBe("14155550123");
        body.RootElement.GetProperty("type").GetString().ShouldBe("text");
        body.RootElement.GetProperty("text").GetProperty("body").GetString().ShouldBe("Your order shipped");
    }

    public static TheoryData<int, int, ErrorType> CloudApiErrors => new()
    {
        { 401, 190, ErrorType.AccessToken },
        { 400, 131049, ErrorType.Other },
        { 400, 131050, ErrorType.Permission },
        { 400, 4, ErrorType.RateLimit },
        { 400, 80007, ErrorType.RateLimit },
        { 429, 130429, ErrorType.RateLimit },
        { 400, 131056, ErrorType.RateLimit },
        { 400, 131048, ErrorType.RateLimit },
        { 400, 131026, ErrorType.InvalidRecipient },
        { 403, 10, ErrorType.Permission },
        { 403, 200, ErrorType.Permission },
        { 403, 299, ErrorType.Permission },
        { 500, 131000, ErrorType.Network },
        { 400, 131009, ErrorType.Other },
    };

    [Theory]
    [MemberData(nameof(CloudApiErrors))]
    public async Task Cloud_api_errors_map_to_error_types(int status, int code, ErrorType type)
    {
        Server.AnswerJson(status, ProviderServer.GraphError(code, "Provider says no", details: "Some details"));

        var result = await Channel.SendAsync(Message, CancellationToken.None);

        result.ErrorType.ShouldBe(type);
        result.ErrorCode.ShouldBe(code.ToString(CultureInfo.InvariantCulture));
        var reason = WhatsAppErrors.Table.Find(new GraphError(code, null, "", null, null))?.Reason is { } known ? $"{known}: " : "";
        result.ErrorMessage.ShouldBe($"{reason}Provider says no (Some details) [fbtrace_id AbCdEfGh123]");
    }

    [Fact]
    public async Task Re_engagement_is_a_permission_failure_that_says_why()
    {
        Server.AnswerJson(400,
            ProviderServer.GraphError(131047, "Re-engagement message",
                details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."));

        var result = await Channel.SendAsync(Message, CancellationToken.None);

        result.ErrorType.ShouldBe(ErrorType.Permission);
        result.ErrorMessage!.ShouldStartWith("re-engagement required: more than 24 hours since the customer last wrote");
    }
}
