using BulkSender.Core.Attachments;
using BulkSender.Core.Campaigns;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Funnel;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Messages;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Web.Messages;

/// <summary>What an open message page costs the database while progress is pushed to it (bUnit, real services and database).</summary>
public sealed class MessagePageQueryTests : MudTestContext, IAsyncLifetime
{
    private const int Updates = 20;
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly CommandCounter commands = new();
    private readonly ProgressFeed feed;
    private CoreHost host = null!;

    public MessagePageQueryTests() => feed = new ProgressFeed(NullLogger<ProgressFeed>.Instance, clock);

    async Task IAsyncLifetime.InitializeAsync()
    {
        host = await CoreHost.StartAsync(contacts: 300, clock: clock,
            services: s => s.ConfigureDbContext<SqliteDbContext>(o => o.AddInterceptors(commands)));
        foreach (var type in new[] { typeof(MessageQueries), typeof(SendService), typeof(CampaignQueries), typeof(CampaignService),
                     typeof(FunnelQueries), typeof(DeliveryStatusUpdater), typeof(RetryPolicies), typeof(TimeProvider),
                     typeof(ChannelPauses), typeof(ChannelResume), typeof(AttachmentStore) })
            Services.AddSingleton(type, host.Services.GetRequiredService(type));
        Services.AddSingleton(feed);
        AddAuthorization().SetAuthorized("operator@test.local");
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await host.DisposeAsync();
    }

    /// <summary>
    /// Before the page rendered pushed state it read the message, its batches, its campaign, its funnel (two queries)
    /// and its retry state again for every update: 6 queries per update per open page. Now a push renders as it comes
    /// and what it doesn't carry (funnel, retry state) is read once per burst.
    /// </summary>
    [Fact]
    public async Task Pushed_progress_renders_without_reading_the_database_for_each_update()
    {
        var id = await host.SendAsync(CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, 250)));
        var batches = await host.BatchesAsync(id);
        var total = batches.Sum(b => b.RecipientCount);
        Render<MudBlazor.MudPopoverProvider>();
        var page = Render<MessagePage>(p => p.Add(c => c.Id, id));
        page.WaitForAssertion(() => page.Find("[data-testid=stat-processed]").TextContent.ShouldContain($"0 / {total}"));
        page.WaitForAssertion(() => page.Find("[data-testid=retry-policy]").TextContent.ShouldContain("0 retries"));
        await using (var db = host.NewDbContext())
            await db.Messages.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.RetryCount, 1)); // not pushed: read later
        commands.Reset();

        for (var sent = 1; sent <= Updates; sent++)
            feed.Publish(new MessageProgress(id, "Hello", MessageStatus.Sending, ChannelKind.Email, total, sent, 0, 0, batches.Count, null, null,
                clock.GetUtcNow().UtcDateTime, null,
                [new BatchSnapshot(id, batches[0].Id, 1, BatchStatus.Processing, batches[0].RecipientCount, sent, 0, 0, null)]));

        page.WaitForAssertion(() => page.Find("[data-testid=stat-processed]").TextContent.ShouldContain($"{Updates} / {total}"));
        page.Find("[data-testid=batches]").TextContent.ShouldContain("Processing");
        commands.Count.ShouldBe(0, "pushed progress renders as it comes");

        clock.Advance(ProgressSubscription.Window);
        page.WaitForAssertion(() => page.Find("[data-testid=retry-policy]").TextContent.ShouldContain("1 retry"));
        var perUpdate = commands.Count / (double)Updates;
        Console.WriteLine($"Database commands for {Updates} pushed updates: {commands.Count} ({perUpdate:0.##} per update)");
        perUpdate.ShouldBeLessThanOrEqualTo(1);
        commands.Count.ShouldBeLessThanOrEqualTo(3, "the funnel (two queries) and the retry state, once for the whole burst");
    }
}
