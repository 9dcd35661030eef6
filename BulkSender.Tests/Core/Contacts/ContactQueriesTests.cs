using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Tests.TestSupport;

namespace BulkSender.Tests.Core.Contacts;

[Trait("Database", "Both")]
public sealed class ContactQueriesTests : IAsyncLifetime
{
    private TestDatabase database = null!;
    private ContactQueries queries = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        queries = new ContactQueries(database);
        await using var db = database.CreateDbContext();
        db.Contacts.AddRange(
            ContactBuilder.Contact(ChannelKind.Email, "Zoe Weber", tags: ["vip"]),
            ContactBuilder.Contact(ChannelKind.Email, "Ana Silva", tags: ["vip", "lead"]),
            ContactBuilder.Contact(ChannelKind.WhatsApp, "Ben 100%_Okafor"),
            ContactBuilder.Contact(ChannelKind.Messenger, "Cy Ito", optedOut: true, tags: ["vip"]));
        db.Contacts.AddRange(ContactBuilder.Many(60, ChannelKind.Email, "bulk"));
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await database.DisposeAsync();

    [Fact]
    public async Task Pages_are_sorted_server_side_and_count_every_match()
    {
        var first = await queries.PageAsync(new ContactFilter(), ContactSort.Name, false, 0, 25, CancellationToken.None);
        var last = await queries.PageAsync(new ContactFilter(), ContactSort.Name, false, 2, 25, CancellationToken.None);

        first.Total.ShouldBe(64);
        first.Items.Count.ShouldBe(25);
        first.Items[0].Name.ShouldBe("Ana Silva");
        first.Items[0].Tags.ShouldBe(["lead", "vip"]);
        last.Items.Count.ShouldBe(14);
        last.Items[^1].Name.ShouldBe("Zoe Weber");
    }

    [Fact]
    public async Task Search_matches_name_or_address_and_treats_wildcards_literally()
    {
        (await queries.PageAsync(new ContactFilter(Search: "silva"), ContactSort.Name, false, 0,
            50, CancellationToken.None)).Items.Single().Name.ShouldBe("Ana Silva");
        (await queries.PageAsync(new ContactFilter(Search: "100%_"), ContactSort.Name, false, 0,
            50, CancellationToken.None)).Items.Single().Channel.ShouldBe(ChannelKind.WhatsApp);
        (await queries.PageAsync(new ContactFilter(Search: "%"), ContactSort.Name, false, 0, 50, CancellationToken.None)).Total.ShouldBe(1);
    }

    [Fact]
    public async Task Channel_tag_and_opt_out_filters_combine()
    {
        var vip = await queries.PageAsync(new ContactFilter(Tag: "VIP"), ContactSort.Name, false, 0, 50, CancellationToken.None);
        var vipEmail = await queries.PageAsync(new ContactFilter(Channel: ChannelKind.Email, Tag: "vip"), ContactSort.Name, true, 0,
            50, CancellationToken.None);
        var optedOut = await queries.PageAsync(new ContactFilter(OptedOut: true), ContactSort.Name, false, 0, 50, CancellationToken.None);

        vip.Items.Select(c => c.Name).ShouldBe(["Ana Silva", "Cy Ito", "Zoe Weber"]);
        vipEmail.Items.Select(c => c.Name).ShouldBe(["Zoe Weber", "Ana Silva"]);
        optedOut.Items.Single().Name.ShouldBe("Cy Ito");
    }

    [Fact]
    public async Task Selectable_ids_exclude_opted_out_contacts_and_stop_at_the_cap()
    {
        var vip = await queries.SelectableIdsAsync(new ContactFilter(Tag: "vip"), ContactSort.Name, false, 2000, CancellationToken.None);
        var capped = await queries.SelectableIdsAsync(new ContactFilter(), ContactSort.Name, false, 10, CancellationToken.None);

        vip.Count.ShouldBe(2);
        capped.Count.ShouldBe(10);
    }

    [Fact]
    public async Task Tags_are_listed_with_their_counts()
    {
        var tags = await queries.TagsAsync(CancellationToken.None);
        tags.ShouldBe([new TagCount("bulk", 60), new TagCount("lead", 1), new TagCount("vip", 3)]);
    }
}
