using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Contacts;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Contacts;

[Trait("Database", "Both")]
public sealed class ContactEditorTests : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private TestDatabase database = null!;
    private ContactEditor editor = null!;
    private List<Contact> contacts = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        editor = new ContactEditor(database, new OptOutSignal(), clock);
        await using var db = database.CreateDbContext();
        contacts = [ContactBuilder.Contact(ChannelKind.Email, "Ana", tags: ["vip"]), ContactBuilder.Contact(ChannelKind.Email, "Ben"),
            ContactBuilder.Contact(ChannelKind.WhatsApp, "Cy")];
        db.Contacts.AddRange(contacts);
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await database.DisposeAsync();

    [Fact]
    public async Task An_edit_is_validated_and_may_not_take_another_contacts_address()
    {
        var invalid = await editor.UpdateAsync(contacts[0].Id, contacts[0].Version,
            new ContactInput { Name = "Ana", Channel = "email", Address = "nope" }, Actor.System, CancellationToken.None);
        var taken = await editor.UpdateAsync(contacts[0].Id, contacts[0].Version,
            new ContactInput
            {
                Name = "Ana", Channel = "email",
                Address = contacts[1].Address.ToUpperInvariant()
            }, Actor.System, CancellationToken.None);
        var saved = await editor.UpdateAsync(contacts[0].Id, contacts[0].Version,
            new ContactInput
            {
                Name = " Ana Silva ", Channel = "email", Address = "ana.silva@example.org",
                Tags = "vip, new", OptedOut = "false"
            }, Actor.System, CancellationToken.None);

        invalid!.Errors["Address"].ShouldBe(["'nope' is not a valid e-mail address."]);
        taken!.Errors["Address"].Single().ShouldContain("Another Email contact already has the address");
        saved.ShouldBeNull();
        await using var db = database.CreateDbContext();
        var ana = await db.Contacts.Include(c => c.Tags).SingleAsync(c => c.Id == contacts[0].Id);
        (ana.Name, ana.Address).ShouldBe(("Ana Silva", "ana.silva@example.org"));
        ana.Tags.Select(t => t.Tag).Order().ShouldBe(["new", "vip"]);
    }

    [Fact]
    public async Task Opt_out_toggles_with_its_time()
    {
        (await editor.OptOutAsync(contacts[1].Id, Actor.System, CancellationToken.None)).ShouldBeTrue();
        long version;
        await using (var db = database.CreateDbContext())
        {
            var optedOut = await db.Contacts.SingleAsync(c => c.Id == contacts[1].Id);
            optedOut.OptedOutAt.ShouldBe(clock.GetUtcNow().UtcDateTime);
            version = optedOut.Version;
        }

        (await editor.OptBackInAsync(contacts[1].Id, version, Actor.System, CancellationToken.None)).ShouldBeNull();
        await using var after = database.CreateDbContext();
        var ben = await after.Contacts.SingleAsync(c => c.Id == contacts[1].Id);
        (ben.OptedOut, ben.OptedOutAt).ShouldBe((false, null));
    }

    [Fact]
    public async Task Tags_are_added_to_and_removed_from_a_selection()
    {
        var ids = contacts.Select(c => c.Id).ToList();

        (await editor.AddTagAsync(ids, "VIP", CancellationToken.None)).ShouldBe(2);
        (await editor.RemoveTagAsync(ids.Take(2).ToList(), "vip", CancellationToken.None)).ShouldBe(2);
        await Should.ThrowAsync<ArgumentException>(() => editor.AddTagAsync(ids, "not a tag!", CancellationToken.None));

        await using var db = database.CreateDbContext();
        (await db.ContactTags.Where(t => t.Tag == "vip").Select(t => t.ContactId).ToListAsync()).ShouldBe([contacts[2].Id]);
    }

    [Fact]
    public async Task Deleting_contacts_keeps_the_address_their_deliveries_went_to()
    {
        await using (var db = database.CreateDbContext())
        {
            var message = new Message
            {
                Title = "t", Content = "c", Channel = ChannelKind.Email, Status = MessageStatus.Sent,
                CreatedAt = DateTime.UtcNow
            };
            db.Messages.Add(message);
            await db.SaveChangesAsync();
            db.Deliveries.Add(new Delivery
            {
                MessageId = message.Id, ContactId = contacts[0].Id, RecipientAddress = contacts[0].Address,
                Status = DeliveryStatus.Sent, CreatedAt = DateTime.UtcNow
            });
            await db.SaveChangesAsync();
        }

        (await editor.DeleteAsync([contacts[0].Id, contacts[1].Id], new Actor("u", "op@x"), CancellationToken.None)).ShouldBe(2);

        await using var after = database.CreateDbContext();
        (await after.Contacts.CountAsync()).ShouldBe(1);
        var delivery = await after.Deliveries.SingleAsync();
        (delivery.ContactId, delivery.RecipientAddress).ShouldBe(((int?)null, contacts[0].Address));
        (await after.Activity.SingleAsync()).Details.ShouldBe("2 contact(s) deleted.");
    }
}
