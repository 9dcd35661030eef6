using System.Globalization;
using System.Text.Json;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Funnel;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Funnel;

/// <summary>A person's reply to one Messenger contact with the HUMAN_AGENT tag, against a Graph server on loopback.</summary>
[Trait("Database", "Both")]
public sealed class HumanAgentReplyTests : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
    private ProviderServer server = null!;
    private CoreHost host = null!;
    private (int MessageId, long DeliveryId) sent;

    public async Task InitializeAsync()
    {
        server = await ProviderServer.StartAsync();
        host = await CoreHost.StartAsync(contacts: 30, clock: clock, settings: new Dictionary<string, string?>
        {
            ["Channels:Messenger:BaseUrl"] = server.BaseAddress.ToString(),
            ["Channels:Messenger:AccessToken"] = "EAAG-page-token",
        });
        server.AcceptAll();
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Messenger, 1);
        await using (var db = host.NewDbContext())
            await db.Contacts.Where(c => ids.Contains(c.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastInboundAt, clock.GetUtcNow().UtcDateTime));
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Messenger, ids));
        await host.RunEnqueuedAsync();
        sent = (messageId, (await host.DeliveriesAsync(messageId)).Single().Id);
        server.Requests.Clear();
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await server.DisposeAsync();
    }

    private Task<ReplyOutcome> ReplyAsync(string text) =>
        host.Services.GetRequiredService<HumanAgentReplies>()
            .SendAsync(sent.MessageId, sent.DeliveryId, text, Accounts.Operator, CancellationToken.None);

    [Fact]
    public async Task A_reply_within_7_days_goes_with_the_human_agent_tag_and_is_logged()
    {
        clock.Advance(TimeSpan.FromDays(6));

        var outcome = await ReplyAsync("Sorry for the wait: your refund went out today.");

        outcome.Status.ShouldBe(ReplyStatus.Sent);
        using var body = JsonDocument.Parse(server.Requests.ShouldHaveSingleItem().Body);
        body.RootElement.GetProperty("messaging_type").GetString().ShouldBe("MESSAGE_TAG");
        body.RootElement.GetProperty("tag").GetString().ShouldBe("HUMAN_AGENT");
        body.RootElement.GetProperty("message").GetProperty("text").GetString().ShouldBe("Sorry for the wait: your refund went out today.");
        await using var db = host.NewDbContext();
        var entry = await db.Activity.SingleAsync(a => a.Action == ActivityActions.ReplySent);
        (entry.UserName, entry.EntityId).ShouldBe(("operator@test.local", sent.MessageId.ToString(CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_reply_more_than_7_days_after_the_contacts_last_message_is_refused_without_a_call()
    {
        clock.Advance(TimeSpan.FromDays(7).Add(TimeSpan.FromMinutes(1)));

        var outcome = await ReplyAsync("Hello again");

        outcome.Status.ShouldBe(ReplyStatus.TooLate);
        outcome.Message.ShouldContain("more than 7 days ago");
        server.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_empty_reply_is_refused()
    {
        (await ReplyAsync("  ")).Status.ShouldBe(ReplyStatus.Invalid);
        server.Requests.ShouldBeEmpty();
    }
}
