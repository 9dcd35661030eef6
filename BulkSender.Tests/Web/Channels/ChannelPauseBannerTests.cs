using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Dispatch;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Account;
using BulkSender.Web.Features.Channels;
using Bunit;
using Hangfire.InMemory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;

namespace BulkSender.Tests.Web.Channels;

/// <summary>The red "channel paused" banner of the dashboard and message pages, and its admins-only resume (bUnit, real SQLite file).</summary>
public sealed class ChannelPauseBannerTests : MudTestContext, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
    private TestDatabase database = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        var clock = new FakeTimeProvider(Now);
        var pauses = new ChannelPauses(database, clock, NullLogger<ChannelPauses>.Instance);
        Services.AddSingleton(pauses);
        var storage = new InMemoryStorage();
        Services.AddSingleton(new ChannelResume(pauses, database, new BatchQueue(new RecordingJobClient(storage), storage, database), clock));
        await pauses.PauseAsync(ChannelKind.Messenger, "10/1893063",
            "the Page is restricted from sending messages — (#10) This Page is restricted from sending messages.", CancellationToken.None);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public void A_paused_channel_shows_a_red_banner_with_the_reason_and_since_when()
    {
        AddAuthorization().SetAuthorized("operator@test.local");
        Render<MudPopoverProvider>();

        var banner = Render<ChannelPauseBanner>();

        var alert = banner.Find("[data-testid=channel-paused]");
        alert.ClassList.ShouldContain("mud-alert-filled-error");
        alert.TextContent.ShouldContain("Messenger paused: the Page is restricted from sending messages — "
            + "(#10) This Page is restricted from sending messages., since 2026-12-04 09:00 UTC.");
        banner.FindAll("[data-testid=resume-channel]").ShouldBeEmpty("operators cannot resume a channel");
    }

    [Fact]
    public async Task An_admin_resumes_the_channel_from_the_banner_and_it_is_logged()
    {
        AddAuthorization().SetAuthorized("admin@test.local").SetPolicies(Policies.Admin);
        Render<MudSnackbarProvider>();

        var banner = Render<ChannelPauseBanner>();
        await banner.Find("[data-testid=resume-channel]").ClickAsync(new());

        banner.WaitForAssertion(() => banner.FindAll("[data-testid=channel-paused]").ShouldBeEmpty());
        await using var db = database.CreateDbContext();
        (await db.ChannelPauses.CountAsync()).ShouldBe(0);
        (await db.Activity.Where(a => a.Action == ActivityActions.ChannelResumed).Select(a => a.Details).SingleAsync())
            .ShouldBe("Messenger resumed");
    }
}
