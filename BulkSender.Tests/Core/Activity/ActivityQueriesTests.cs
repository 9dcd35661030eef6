using BulkSender.Core.Activity;
using BulkSender.Tests.TestSupport;

namespace BulkSender.Tests.Core.Activity;

public sealed class ActivityQueriesTests : IAsyncLifetime
{
    private TestDatabase database = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        await using var db = database.CreateDbContext();
        var at = new DateTime(2026, 11, 1, 8, 0, 0, DateTimeKind.Utc);
        db.Activity.AddRange(
            ActivityLog.Entry(new Actor("op", "op@x"), "contacts.imported", at, details: "a.csv"),
            ActivityLog.Entry(new Actor("op", "op@x"), "message.sent", at.AddHours(1), details: "Spring sale"),
            ActivityLog.Entry(new Actor("admin", "admin@x"), "user.created", at.AddHours(2), details: "new@x"),
            ActivityLog.Entry(new Actor("other", "other@x"), "message.sent", at.AddHours(3), details: "Other sale"));
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await database.DisposeAsync();

    [Fact]
    public async Task Admins_see_everything_newest_first()
    {
        var page = await new ActivityQueries(database).PageAsync(new ActivityFilter(), onlyUserId: null, 0, 25, CancellationToken.None);

        page.Total.ShouldBe(4);
        page.Items.Select(a => a.Details).ShouldBe(["Other sale", "new@x", "Spring sale", "a.csv"]);
    }

    [Fact]
    public async Task Operators_see_only_their_own_entries_whatever_they_filter()
    {
        var queries = new ActivityQueries(database);

        var own = await queries.PageAsync(new ActivityFilter(), "op", 0, 25, CancellationToken.None);
        var sneaky = await queries.PageAsync(new ActivityFilter(UserId: "other"), "op", 0, 25, CancellationToken.None);

        own.Items.ShouldAllBe(a => a.UserId == "op");
        own.Total.ShouldBe(2);
        sneaky.Total.ShouldBe(0);
        (await queries.ActionsAsync("op", CancellationToken.None)).ShouldBe(["contacts.imported", "message.sent"]);
    }

    [Fact]
    public async Task Filters_by_action_and_details()
    {
        var queries = new ActivityQueries(database);

        (await queries.PageAsync(new ActivityFilter(Action: "message.sent"), null, 0, 25, CancellationToken.None)).Total.ShouldBe(2);
        (await queries.PageAsync(new ActivityFilter(Search: "Spring"), null, 0,
            25, CancellationToken.None)).Items.Single().Action.ShouldBe("message.sent");
    }

    [Fact]
    public async Task Lists_everyone_with_entries_for_the_who_filter()
    {
        var actors = await new ActivityQueries(database).ActorsAsync(CancellationToken.None);

        actors.ShouldBe([new Actor("admin", "admin@x"), new Actor("op", "op@x"), new Actor("other", "other@x")]);
    }
}
