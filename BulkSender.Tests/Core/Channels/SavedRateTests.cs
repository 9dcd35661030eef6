using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Settings;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Channels;

/// <summary>The channel rate limiter follows the "Messages per second" an admin saves in Settings, without a restart.</summary>
public sealed class SavedRateTests
{
    private static readonly Actor Admin = new("admin", "admin@test.local");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static async Task WaitFreelyAsync(ChannelRateLimiter limiter, int messages)
    {
        for (var i = 0; i < messages; i++)
            await limiter.WaitAsync(ChannelKind.Email, default).AsTask().WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_rate_saved_in_Settings_replaces_the_configured_one_from_the_next_message()
    {
        var clock = new TimerWatchingClock(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        await using var host = await CoreHost.StartAsync(contacts: 0, clock: clock); // Email configured at 0: no limit
        var limiter = host.Services.GetRequiredService<ChannelRateLimiter>();
        var store = host.Services.GetRequiredService<ChannelSettingsStore>();
        await WaitFreelyAsync(limiter, 20);
        limiter.RateOf(ChannelKind.Email).ShouldBe(0);

        var saved = await store.SaveAsync(new ChannelSettingsInput(ChannelKind.Email,
            new Dictionary<string, string?> { ["RatePerSecond"] = "5" }), Admin, default);
        saved.Succeeded.ShouldBeTrue();

        var first = await limiter.WaitAsync(ChannelKind.Email, default).AsTask().WaitAsync(Timeout);
        limiter.RateOf(ChannelKind.Email).ShouldBe(5);
        var second = limiter.WaitAsync(ChannelKind.Email, default).AsTask();
        await clock.ArmedAtAsync(clock.GetUtcNow() + TimeSpan.FromMilliseconds(206)); // 5 a second: a fifth and the margin
        clock.Advance(TimeSpan.FromMilliseconds(205));
        second.IsCompleted.ShouldBeFalse("at 5 a second the next message waits a fifth of a second and the margin, 206 ms");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        clock.GetElapsedTime(first, await second.WaitAsync(Timeout)).ShouldBe(TimeSpan.FromMilliseconds(206));

        // Emptied in Settings: back to the configuration's value.
        await store.SaveAsync(new ChannelSettingsInput(ChannelKind.Email,
            new Dictionary<string, string?> { ["RatePerSecond"] = "" }), Admin, default);
        clock.Advance(TimeSpan.FromMilliseconds(206));
        await WaitFreelyAsync(limiter, 20);
        limiter.RateOf(ChannelKind.Email).ShouldBe(0);
    }

    [Fact]
    public async Task A_rate_saved_by_another_instance_applies_within_seconds_and_is_not_read_for_every_message()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        await using var host = await CoreHost.StartAsync(contacts: 0, clock: clock);
        var limiter = host.Services.GetRequiredService<ChannelRateLimiter>();
        await WaitFreelyAsync(limiter, 1);

        // Another instance saves 2 a second: only the database row changes here.
        await using (var db = host.NewDbContext())
        {
            db.Settings.Add(new Setting { Key = "Channels:RatePerSecond:Email", Value = "2", UpdatedAt = clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync();
        }
        clock.Advance(ChannelRateLimiter.RefreshEvery - TimeSpan.FromMilliseconds(1));
        await WaitFreelyAsync(limiter, 50);
        limiter.RateOf(ChannelKind.Email).ShouldBe(0, "the saved rate is read at most every few seconds, not per message");

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await WaitFreelyAsync(limiter, 1);
        limiter.RateOf(ChannelKind.Email).ShouldBe(2);
    }
}
