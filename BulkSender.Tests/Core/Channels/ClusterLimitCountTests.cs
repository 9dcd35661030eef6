using BulkSender.Core.Channels;
using BulkSender.Core.Channels.WhatsApp;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Channels;

/// <summary>
/// The e-mail daily limit and WhatsApp's messaging limit are counted in the database: two app instances (two hosts,
/// each with its own services and memory, over one database) taking from one limit at once never go over it together.
/// </summary>
[Trait("Database", "Both")]
public sealed class ClusterLimitCountTests
{
    private static readonly DateTime Evening = new(2026, 11, 23, 22, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// Takes units from each quota, <paramref name="loops"/> at a time per instance, a millisecond apart (a send), until
    /// the limit says no.
    /// </summary>
    private static async Task<int[]> DrainAsync(Func<Task<DateTime?>>[] instances, int loops)
    {
        var taken = new int[instances.Length];
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = instances.SelectMany((take, i) => Enumerable.Range(0, loops).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            while (await take() is not null)
            {
                Interlocked.Increment(ref taken[i]);
                await Task.Delay(1);
            }
        }))).ToList();
        start.SetResult();
        await Task.WhenAll(running);
        return taken;
    }

    [Fact]
    public async Task Two_instances_taking_the_daily_allowance_at_once_send_exactly_the_limit_together()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Evening));
        await using var first = await CoreHost.StartAsync(contacts: 0, clock: clock);
        await using var second = await first.AnotherInstanceAsync(clock: clock);
        var quotas = new[] { first, second }.Select(h => h.Services.GetRequiredService<DailySendQuota>()).ToList();
        foreach (var quota in quotas) // each instance warmed up before the race (its first query compiled), as in a running app
            (await quota.TakeAsync(ChannelKind.Email, 1000, default)).ShouldNotBeNull();

        var taken = await DrainAsync(quotas.Select(q => (Func<Task<DateTime?>>)(() => q.TakeAsync(ChannelKind.Email, 1000, default))).ToArray(), 4);

        (taken.Sum() + 2).ShouldBe(1000, $"taken 1 + {taken[0]} and 1 + {taken[1]}");
        taken.ShouldAllBe(n => n > 0, "both instances sent");
        await using var db = first.NewDbContext();
        (await db.LimitCounters.SingleAsync(c => c.Key == DailySendQuota.Key(ChannelKind.Email, Evening))).Used.ShouldBe(1000);
        (await quotas[1].TakeAsync(ChannelKind.Email, 1000, default)).ShouldBeNull();
    }

    [Fact]
    public async Task Units_an_instance_reserved_and_did_not_use_go_back_when_its_run_ends()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Evening));
        await using var first = await CoreHost.StartAsync(contacts: 0, clock: clock);
        await using var second = await first.AnotherInstanceAsync(clock: clock);
        var (a, b) = (first.Services.GetRequiredService<DailySendQuota>(), second.Services.GetRequiredService<DailySendQuota>());

        for (var i = 0; i < 3; i++)
            (await a.TakeAsync(ChannelKind.Email, 100, default)).ShouldNotBeNull();
        await using (var db = first.NewDbContext())
            (await db.LimitCounters.SingleAsync()).Used.ShouldBe(DailySendQuota.MaxBlock, "a block of 10 reserved for 3 sent");
        await a.ReturnUnusedAsync(ChannelKind.Email, default);

        await using (var db = first.NewDbContext())
            (await db.LimitCounters.SingleAsync()).Used.ShouldBe(3);
        (await DrainAsync([() => b.TakeAsync(ChannelKind.Email, 100, default)], 1)).Single().ShouldBe(97);
    }

    [Fact]
    public async Task A_day_starts_from_the_deliveries_already_sent_that_day_and_the_next_utc_day_has_the_whole_allowance()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Evening));
        await using var host = await CoreHost.StartAsync(contacts: 60, clock: clock);
        await using (var db = host.NewDbContext())
        {
            var contacts = await db.Contacts.Where(c => c.Channel == ChannelKind.Email).OrderBy(c => c.Id).Take(4).ToListAsync();
            await DeliveryBuilder.SentAsync(db, ChannelKind.Email, contacts, Evening.AddHours(-3));
            await DeliveryBuilder.SentAsync(db, ChannelKind.Email, contacts, Evening.AddDays(-1)); // yesterday's do not count
        }
        var quota = host.Services.GetRequiredService<DailySendQuota>();

        (await DrainAsync([() => quota.TakeAsync(ChannelKind.Email, 10, default)], 1)).Single().ShouldBe(6);
        quota.NextDay().ShouldBe(Evening.Date.AddDays(1));

        clock.Advance(TimeSpan.FromHours(2)); // 00:00 UTC
        (await DrainAsync([() => quota.TakeAsync(ChannelKind.Email, 10, default)], 1)).Single().ShouldBe(10);
        (await quota.TakeAsync(ChannelKind.Messenger, 10, default)).ShouldNotBeNull("each channel has its own count");
    }

    [Fact]
    public async Task Two_instances_counting_contacts_at_once_never_reach_more_than_the_messaging_limit()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Evening));
        await using var first = await CoreHost.StartAsync(contacts: 0, clock: clock);
        await using var second = await first.AnotherInstanceAsync(clock: clock);
        var limits = new[] { first, second }.Select(h => h.Services.GetRequiredService<WhatsAppMessagingLimit>()).ToList();
        var addresses = Enumerable.Range(0, 60).Select(i => $"+35191000{i:00}").ToList();

        // Both instances try all 60 contacts (in opposite orders), 3 at a time each.
        var reached = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(limits.SelectMany((limit, i) =>
        {
            var order = i == 0 ? addresses : Enumerable.Reverse(addresses).ToList();
            return Enumerable.Range(0, 3).Select(part => Task.Run(async () =>
            {
                foreach (var address in order.Where((_, n) => n % 3 == part))
                    if (await limit.TakeAsync(address, 20, default) is not null)
                        reached.Add(address);
            }));
        }));

        reached.Distinct().Count().ShouldBe(20);
        (await limits[0].UsageAsync(default)).ShouldBe((20, Evening.AddHours(24)));
        await using var db = first.NewDbContext();
        (await db.MessagingLimitContacts.CountAsync()).ShouldBe(20);
    }

    [Fact]
    public async Task Room_returns_as_the_oldest_contact_leaves_the_24_hours_and_a_contact_counted_again_costs_nothing()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Evening));
        await using var first = await CoreHost.StartAsync(contacts: 0, clock: clock);
        await using var second = await first.AnotherInstanceAsync(clock: clock);
        var (a, b) = (first.Services.GetRequiredService<WhatsAppMessagingLimit>(), second.Services.GetRequiredService<WhatsAppMessagingLimit>());

        (await a.TakeAsync("+1", 3, default)).ShouldNotBeNull();
        clock.Advance(TimeSpan.FromHours(1));
        (await b.TakeAsync("+2", 3, default)).ShouldNotBeNull();
        (await a.TakeAsync("+3", 3, default)).ShouldNotBeNull();
        (await b.TakeAsync("+4", 3, default)).ShouldBeNull("the other instance's contacts count");
        (await b.TakeAsync("+1", 3, default)).ShouldNotBeNull("reached in the last 24 hours: costs nothing, counts from now");
        (await a.RoomAtAsync(default)).ShouldBe(Evening.AddHours(25));

        clock.Advance(TimeSpan.FromHours(23)); // 24 hours after +1's first template
        (await a.TakeAsync("+4", 3, default)).ShouldBeNull("+1 counts from its second template");
        clock.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        (await a.TakeAsync("+4", 3, default)).ShouldBeNull();
        clock.Advance(TimeSpan.FromSeconds(1));
        (await a.TakeAsync("+4", 3, default)).ShouldNotBeNull();
        (await b.UsageAsync(default)).ShouldBe((1, Evening.AddHours(49)));
    }

    /// <summary>
    /// A template withheld on its way (the channel paused, the send cancelled) gives its contact back: the room is free
    /// again, and a contact counted before counts from its earlier template, unless another template counted it since.
    /// The clock has ticks below a microsecond, which PostgreSQL does not keep.
    /// </summary>
    [Fact]
    public async Task A_template_not_sent_gives_its_contact_back_unless_another_template_counted_it_since()
    {
        var start = Evening.AddTicks(1_234_567);
        var clock = new FakeTimeProvider(new DateTimeOffset(start));
        await using var first = await CoreHost.StartAsync(contacts: 0, clock: clock);
        await using var second = await first.AnotherInstanceAsync(clock: clock);
        var (a, b) = (first.Services.GetRequiredService<WhatsAppMessagingLimit>(), second.Services.GetRequiredService<WhatsAppMessagingLimit>());

        var one = (await a.TakeAsync("+1", 2, default)).ShouldNotBeNull();
        var two = (await a.TakeAsync("+2", 2, default)).ShouldNotBeNull();
        (await b.TakeAsync("+3", 2, default)).ShouldBeNull("the limit is reached");
        await a.GiveBackAsync(two, default);
        (await b.TakeAsync("+3", 2, default)).ShouldNotBeNull("+2's room is free again");
        (await a.UsageAsync(default)).Used.ShouldBe(2);

        clock.Advance(TimeSpan.FromHours(1));
        var again = (await b.TakeAsync("+1", 2, default)).ShouldNotBeNull("reached in the last 24 hours: costs nothing");
        again.Before.ShouldBe(one.CountedAt);
        await using var db = first.NewDbContext();
        Task<DateTime> CountedAtAsync(string address) =>
            db.MessagingLimitContacts.Where(c => c.Address == address).Select(c => c.CountedAt).SingleAsync();
        await a.GiveBackAsync(one, default);
        (await CountedAtAsync("+1")).ShouldBe(again.CountedAt, "another template counted +1 since: giving back the first changes nothing");
        await b.GiveBackAsync(again, default);
        (await CountedAtAsync("+1")).ShouldBe(one.CountedAt, "+1 counts from its earlier template again");
        (await a.UsageAsync(default)).Used.ShouldBe(2);
    }
}
