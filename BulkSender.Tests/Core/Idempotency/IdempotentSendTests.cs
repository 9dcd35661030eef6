using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Idempotency;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Idempotency;

/// <summary>SendService with an idempotency key: one send per key of a user for 24 hours, whatever the repetition.</summary>
public sealed class IdempotentSendTests : IAsyncLifetime
{
    private static readonly Actor OtherOperator = new("other-id", "other@test.local");

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private CoreHost host = null!;

    public async Task InitializeAsync() => host = await CoreHost.StartAsync(contacts: 600, clock: clock);

    public async Task DisposeAsync() => await host.DisposeAsync();

    private async Task<ComposeModel> ComposeAsync(string title = "Once", int recipients = 150) =>
        CoreHost.Compose(ChannelKind.Email, await host.ActiveContactIdsAsync(ChannelKind.Email, recipients), title);

    private Task<ComposeOutcome> SaveAsync(ComposeModel model, string key, Actor? sender = null) =>
        host.Sends.SaveAsync(model, null, sender ?? Accounts.Operator, key, CancellationToken.None);

    private async Task<(int Messages, int Deliveries, int Logged)> CountsAsync()
    {
        await using var db = host.NewDbContext();
        return (await db.Messages.CountAsync(), await db.Deliveries.CountAsync(),
            await db.Activity.CountAsync(a => a.Action == ActivityActions.MessageSent));
    }

    [Fact]
    public async Task The_same_request_twice_with_one_key_creates_one_message_and_answers_the_first_outcome_again()
    {
        var model = await ComposeAsync();

        var first = await SaveAsync(model, "key-1");
        var again = await SaveAsync(model, "key-1");

        first.Errors.ShouldBeEmpty();
        (again.MessageId, again.Status, again.Recipients, again.Batches, again.Succeeded).ShouldBe((first.MessageId, first.Status, 150, 2, true));
        (first.Replayed, again.Replayed).ShouldBe((false, true));
        (await CountsAsync()).ShouldBe((1, 150, 1));
        host.Jobs.Enqueued.Count.ShouldBe(2, "one job per batch, once");
    }

    [Fact]
    public async Task Concurrent_saves_with_one_key_create_one_message_and_all_get_its_outcome()
    {
        var model = await ComposeAsync();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => SaveAsync(model, "double-click"))));

        outcomes.ShouldAllBe(o => o.Succeeded);
        outcomes.Select(o => (o.MessageId, o.Status, o.Recipients, o.Batches)).Distinct().Count().ShouldBe(1);
        outcomes.Count(o => !o.Replayed).ShouldBe(1, "one of them made the send");
        (await CountsAsync()).ShouldBe((1, 150, 1));
        host.Jobs.Enqueued.Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_used_key_with_a_different_request_is_refused_and_changes_nothing()
    {
        var model = await ComposeAsync();
        await SaveAsync(model, "key-2");
        var before = await CountsAsync();

        var changed = await ComposeAsync(title: "Something else");
        var refused = await SaveAsync(changed, "key-2");

        (refused.Succeeded, refused.KeyReused).ShouldBe((false, true));
        refused.Errors[ComposeOutcome.IdempotencyKeyField]
            .ShouldBe(["This idempotency key was already used for a different request. Use a new key for a new send."]);
        (await CountsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task The_order_of_a_selection_is_not_a_different_request()
    {
        var model = await ComposeAsync(recipients: 5);
        var first = await SaveAsync(model, "key-order");

        model.ContactIds.Reverse();
        var again = await SaveAsync(model, "key-order");

        (again.Replayed, again.MessageId).ShouldBe((true, first.MessageId));
    }

    [Fact]
    public async Task A_refused_request_does_not_use_up_its_key()
    {
        var model = await ComposeAsync();
        model.Content = "";

        var refused = await SaveAsync(model, "key-3");
        model.Content = "Fixed";
        var sent = await SaveAsync(model, "key-3");

        refused.Errors.Keys.ShouldBe(["Content"]);
        (sent.Succeeded, sent.Replayed).ShouldBe((true, false));
        (await CountsAsync()).Messages.ShouldBe(1);
    }

    [Fact]
    public async Task Keys_are_per_user()
    {
        var model = await ComposeAsync();

        var mine = await SaveAsync(model, "shared-key");
        var theirs = await SaveAsync(model, "shared-key", OtherOperator);

        theirs.Replayed.ShouldBeFalse();
        theirs.MessageId.ShouldNotBe(mine.MessageId);
        (await CountsAsync()).Messages.ShouldBe(2);
    }

    [Fact]
    public async Task A_key_is_honoured_for_24_hours_and_can_be_used_again_after()
    {
        var model = await ComposeAsync();
        var first = await SaveAsync(model, "daily");

        clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        (await SaveAsync(model, "daily")).Replayed.ShouldBeTrue("still within 24 hours");
        (await SaveAsync(await ComposeAsync(title: "Next day"), "daily")).KeyReused.ShouldBeTrue();

        clock.Advance(TimeSpan.FromSeconds(1));
        var later = await SaveAsync(await ComposeAsync(title: "Next day"), "daily");

        (later.Succeeded, later.Replayed).ShouldBe((true, false));
        later.MessageId.ShouldNotBe(first.MessageId);
        await using var db = host.NewDbContext();
        (await db.IdempotencyKeys.SingleAsync(r => r.Key == "daily")).MessageId.ShouldBe(later.MessageId);
    }

    [Fact]
    public async Task The_daily_cleanup_deletes_the_records_of_expired_keys_only()
    {
        var model = await ComposeAsync(recipients: 5);
        await SaveAsync(model, "old");
        clock.Advance(TimeSpan.FromHours(20));
        await SaveAsync(model, "recent");
        clock.Advance(TimeSpan.FromHours(5));

        await host.Services.GetRequiredService<CleanupDeliveriesJob>().RunAsync(CancellationToken.None);

        await using var db = host.NewDbContext();
        (await db.IdempotencyKeys.Select(r => r.Key).ToListAsync()).ShouldBe(["recent"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("naïve")]
    public async Task A_malformed_key_is_refused_before_anything_is_saved(string key)
    {
        var outcome = await SaveAsync(await ComposeAsync(recipients: 5), key);

        outcome.Errors.Keys.ShouldBe([ComposeOutcome.IdempotencyKeyField]);
        (await CountsAsync()).Messages.ShouldBe(0);
    }

    [Fact]
    public async Task A_key_longer_than_255_characters_is_refused()
    {
        (await SaveAsync(await ComposeAsync(recipients: 5), new string('k', 256))).Errors.Keys.ShouldBe([ComposeOutcome.IdempotencyKeyField]);
        (await SaveAsync(await ComposeAsync(recipients: 5), new string('k', 255))).Succeeded.ShouldBeTrue();
    }
}
