using System.Net;
using System.Net.Http.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Messages;

namespace BulkSender.Tests.Web.Messages;

/// <summary>GET /api/messages on the real app: paged newest first, filtered by status and channel.</summary>
[Collection(AppCollection.Name)]
public sealed class MessageListApiTests(AppFixture app)
{
    private async Task<List<int>> FinishedSendsAsync(int count)
    {
        var ids = new List<int>();
        await using var db = app.NewDbContext();
        for (var i = 0; i < count; i++)
            ids.Add((await FinishedSendBuilder.CreateAsync(db, 1, ErrorType.Network)).MessageId);
        return ids;
    }

    [Fact]
    public async Task Pages_are_newest_first_do_not_overlap_and_give_the_total()
    {
        var created = await FinishedSendsAsync(3);
        using var client = await app.NewOperatorClientAsync();

        var first = await client.GetFromJsonAsync<MessageEndpoints.MessageList>("/api/messages?page=0&page_size=2", TestJson.Options);
        var second = await client.GetFromJsonAsync<MessageEndpoints.MessageList>("/api/messages?page=1&page_size=2", TestJson.Options);

        (first!.Page, first.PageSize, first.Items.Count).ShouldBe((0, 2, 2));
        first.Items.Select(m => m.Id).ShouldBe([created[2], created[1]]);
        second!.Items[0].Id.ShouldBe(created[0]);
        first.Total.ShouldBe(second.Total);
        first.Total.ShouldBeGreaterThanOrEqualTo(3);
        first.Items[0].Status.ShouldBe("partially_sent");
        (first.Items[0].SentCount, first.Items[0].FailedCount, first.Items[0].TotalRecipients).ShouldBe((1, 1, 2));
    }

    [Fact]
    public async Task The_page_size_is_kept_within_its_maximum()
    {
        using var client = await app.NewOperatorClientAsync();

        var list = await client.GetFromJsonAsync<MessageEndpoints.MessageList>("/api/messages?page_size=100000", TestJson.Options);

        list!.PageSize.ShouldBe(MessageListQuery.MaxPageSize);
        list.Items.Count.ShouldBeLessThanOrEqualTo(MessageListQuery.MaxPageSize);
    }

    [Fact]
    public async Task Status_and_channel_filter_the_list_and_its_total()
    {
        var created = await FinishedSendsAsync(1);
        using var client = await app.NewOperatorClientAsync();

        var partial = await client.GetFromJsonAsync<MessageEndpoints.MessageList>("/api/messages?status=partially_sent&channel=email&page_size=200",
            TestJson.Options);
        var byName = await client.GetFromJsonAsync<MessageEndpoints.MessageList>("/api/messages?status=PartiallySent&channel=Email&page_size=200",
            TestJson.Options);
        var otherChannel = await client.GetFromJsonAsync<MessageEndpoints.MessageList>("/api/messages?status=partially_sent&channel=whatsapp",
            TestJson.Options);
        var drafts = await client.GetFromJsonAsync<MessageEndpoints.MessageList>("/api/messages?status=draft&page_size=200", TestJson.Options);

        partial!.Items.ShouldContain(m => m.Id == created[0]);
        partial.Items.ShouldAllBe(m => m.Status == "partially_sent" && m.Channel == ChannelKind.Email);
        byName!.Total.ShouldBe(partial.Total);
        otherChannel!.Items.ShouldAllBe(m => m.Channel == ChannelKind.WhatsApp);
        otherChannel.Items.ShouldNotContain(m => m.Id == created[0]);
        drafts!.Items.ShouldAllBe(m => m.Status == "draft");
        drafts.Items.ShouldNotContain(m => m.Id == created[0]);
    }

    [Fact]
    public async Task An_unknown_status_or_channel_is_a_400_naming_it_and_the_list_needs_a_login()
    {
        using var anonymous = app.NewClient();
        using var client = await app.NewOperatorClientAsync();

        var unknown = await client.GetAsync("/api/messages?status=lost&channel=fax");

        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await unknown.Content.ReadAsStringAsync();
        problem.ShouldContain("\"status\":[\"Unknown status 'lost'.");
        problem.ShouldContain("\"channel\":[\"Unknown channel 'fax'.");
        (await anonymous.GetAsync("/api/messages")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
