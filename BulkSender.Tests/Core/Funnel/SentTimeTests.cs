using BulkSender.Core.Channels;
using BulkSender.Core.Funnel;
using BulkSender.Tests.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Funnel;

/// <summary>A delivery's sent time is when the provider accepted it, to the millisecond, so read watermarks find it.</summary>
[Trait("Database", "Both")]
public sealed class SentTimeTests : IAsyncLifetime
{
    private static readonly TimeSpan PerAnswer = TimeSpan.FromTicks(4_003_217); // 400.3217 ms: not whole milliseconds
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
    private ProviderServer server = null!;
    private CoreHost host = null!;

    public async Task InitializeAsync()
    {
        server = await ProviderServer.StartAsync();
        host = await CoreHost.StartAsync(contacts: 30, clock: clock, settings: new Dictionary<string, string?>
        {
            ["Channels:Messenger:BaseUrl"] = server.BaseAddress.ToString(),
            ["Channels:Messenger:AccessToken"] = "EAAG-page-token",
        });
        var answered = 0;
        server.Respond = async (_, ctx) =>
        {
            clock.Advance(PerAnswer); // the provider takes its time; so does the rest of the group of five
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync($$"""{"recipient_id":"1","message_id":"m_{{Interlocked.Increment(ref answered)}}"}""");
        };
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_read_watermark_one_millisecond_after_a_recipients_acceptance_time_reads_its_message()
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Messenger, 5);
        await using (var db = host.NewDbContext())
            await db.Contacts.Where(c => ids.Contains(c.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastInboundAt, clock.GetUtcNow().UtcDateTime));
        var start = clock.GetUtcNow().UtcDateTime;
        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.Messenger, ids));

        await host.RunEnqueuedAsync(); // one group of five, recorded after the fifth answer

        var deliveries = (await host.DeliveriesAsync(messageId)).OrderBy(d => d.ProviderMessageId).ToList();
        var accepted = deliveries.Select((_, i) => start + PerAnswer * (i + 1))
            .Select(at => new DateTime(at.Ticks - at.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc)).ToList();
        deliveries.Select(d => d.SentAt!.Value).ShouldBe(accepted, "each recipient's own acceptance time, in whole milliseconds");
        var updater = host.Services.GetRequiredService<DeliveryStatusUpdater>();
        var now = clock.GetUtcNow().UtcDateTime;

        (await updater.MarkReadUpToAsync(ChannelKind.Messenger, deliveries[2].RecipientAddress, accepted[2].AddMilliseconds(1), now,
            CancellationToken.None)).ShouldBe(1);
        (await updater.MarkReadUpToAsync(ChannelKind.Messenger, deliveries[3].RecipientAddress, accepted[3].AddMilliseconds(-1), now,
            CancellationToken.None)).ShouldBe(0, "a watermark before the acceptance time does not read it");
    }
}
