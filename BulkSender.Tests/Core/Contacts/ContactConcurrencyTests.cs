using System.Globalization;
using System.Text;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Errors;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Compliance;
using BulkSender.Core.Contacts;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Funnel;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Contacts;

/// <summary>
/// An edit is made on the version of the contact it was opened on. Whatever else writes the contact meanwhile (an
/// unsubscribe link, "STOP", a message from the contact, an import, a tag) makes it stale, and a stale edit changes nothing.
/// </summary>
[Trait("Database", "Both")]
public sealed class ContactConcurrencyTests : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly OptOutSignal signal = new();
    private TestDatabase database = null!;
    private ContactEditor editor = null!;
    private ContactQueries queries = null!;
    private OptOuts optOuts = null!;
    private DeliveryStatusUpdater updater = null!;
    private ContactImporter importer = null!;
    private Contact ana = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        editor = new ContactEditor(database, signal, clock);
        queries = new ContactQueries(database);
        optOuts = new OptOuts(database, signal, clock);
        updater = new DeliveryStatusUpdater(database, optOuts,
            new ErrorActions(new ChannelPauses(database, TimeProvider.System, NullLogger<ChannelPauses>.Instance), optOuts),
            new NoDispatchProgress());
        importer = new ContactImporter(database, Options.Create(new ContactsOptions()), signal, clock);
        ana = ContactBuilder.Contact(ChannelKind.WhatsApp, "Ana", tags: ["vip"]);
        await using var db = database.CreateDbContext();
        db.Contacts.Add(ana);
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await database.DisposeAsync();

    private async Task<ContactForEdit> OpenAsync() => (await queries.ForEditAsync(ana.Id, CancellationToken.None))!;

    /// <summary>What the dialog does when only the name was changed: everything else as it was opened.</summary>
    private Task<EditErrors?> RenameAsync(ContactForEdit opened, string name)
    {
        var input = opened.ToInput();
        input.Name = name;
        return editor.UpdateAsync(opened.Id, opened.Version, input, Accounts.Operator, CancellationToken.None);
    }

    private async Task<Contact> StoredAsync()
    {
        await using var db = database.CreateDbContext();
        return await db.Contacts.AsNoTracking().Include(c => c.Tags).SingleAsync(c => c.Id == ana.Id);
    }

    private async Task ImportAsync(string csv)
    {
        var parsed = await importer.ParseAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), CancellationToken.None);
        await importer.ImportAsync(parsed, Accounts.Operator, "contacts.csv", null, CancellationToken.None);
    }

    private static void ShouldBeStale(EditErrors? errors)
    {
        errors.ShouldNotBeNull();
        errors.Conflict.ShouldBeTrue();
        errors.Errors[""].ShouldBe(["This contact changed since you opened it"]);
    }

    [Fact]
    public async Task Stale_contact_edit_after_an_opt_out_is_refused_and_keeps_the_opt_out()
    {
        var opened = await OpenAsync();
        (await optOuts.OptOutAsync(ChannelKind.WhatsApp, ana.Address, "unsubscribe link", CancellationToken.None)).ShouldBeTrue();

        var errors = await RenameAsync(opened, "Ana Silva");

        ShouldBeStale(errors);
        var stored = await StoredAsync();
        (stored.OptedOut, stored.Name).ShouldBe((true, "Ana"));
        await using var db = database.CreateDbContext();
        (await db.Activity.AnyAsync(a => a.Action == ActivityActions.ContactUpdated)).ShouldBeFalse();
    }

    [Fact]
    public async Task Stale_contact_edit_after_an_import_keeps_the_imports_opt_out_and_tags()
    {
        var opened = await OpenAsync();
        await ImportAsync($"name,address,channel,tags,opted_out\nAna,{ana.Address},whatsapp,vip;imported,yes\n");

        ShouldBeStale(await RenameAsync(opened, "Ana Silva"));

        var stored = await StoredAsync();
        stored.OptedOut.ShouldBeTrue();
        stored.Tags.Select(t => t.Tag).Order().ShouldBe(["imported", "vip"]);
    }

    public static TheoryData<string> Writers => ["unsubscribe link", "STOP", "a message from the contact", "import", "tag added", "tag removed",
        "opted out by hand", "opted back in", "another edit"];

    [Theory]
    [MemberData(nameof(Writers))]
    public async Task Every_writer_of_a_contact_makes_an_edit_opened_before_it_stale(string writer)
    {
        if (writer == "opted back in")
            await editor.OptOutAsync(ana.Id, Accounts.Operator, CancellationToken.None);
        var opened = await OpenAsync();
        var at = clock.GetUtcNow().UtcDateTime;

        switch (writer)
        {
            case "unsubscribe link":
                await optOuts.OptOutAsync(ChannelKind.WhatsApp, ana.Address, writer, CancellationToken.None);
                break;
            case "STOP":
                await updater.RecordInboundAsync(ChannelKind.WhatsApp, ana.Address, "stop", at, CancellationToken.None);
                break;
            case "a message from the contact":
                await updater.RecordInboundAsync(ChannelKind.WhatsApp, ana.Address, "Thanks!", at, CancellationToken.None);
                break;
            case "import":
                await ImportAsync($"name,address,channel\nAna,{ana.Address},whatsapp\n");
                break;
            case "tag added":
                (await editor.AddTagAsync([ana.Id], "new", CancellationToken.None)).ShouldBe(1);
                break;
            case "tag removed":
                (await editor.RemoveTagAsync([ana.Id], "vip", CancellationToken.None)).ShouldBe(1);
                break;
            case "opted out by hand":
                (await editor.OptOutAsync(ana.Id, Accounts.Operator, CancellationToken.None)).ShouldBeTrue();
                break;
            case "opted back in":
                (await editor.OptBackInAsync(ana.Id, opened.Version, Accounts.Operator, CancellationToken.None)).ShouldBeNull();
                break;
            default:
                (await RenameAsync(opened, "Ana Two")).ShouldBeNull();
                break;
        }

        (await OpenAsync()).Version.ShouldBeGreaterThan(opened.Version);
        ShouldBeStale(await RenameAsync(opened, "Ana Silva"));
        (await StoredAsync()).Name.ShouldNotBe("Ana Silva");
    }

    [Fact]
    public async Task A_normal_edit_can_opt_a_contact_out_but_never_back_in()
    {
        var opened = await OpenAsync();
        var input = opened.ToInput();
        input.OptedOut = "true";
        (await editor.UpdateAsync(ana.Id, opened.Version, input, Accounts.Operator, CancellationToken.None)).ShouldBeNull();
        (await StoredAsync()).OptedOut.ShouldBeTrue();

        var reopened = await OpenAsync();
        var back = reopened.ToInput();
        back.OptedOut = "false";
        var errors = await editor.UpdateAsync(ana.Id, reopened.Version, back, Accounts.Operator, CancellationToken.None);

        errors.ShouldNotBeNull();
        errors.Conflict.ShouldBeFalse();
        errors.Errors["OptedOut"].ShouldBe([ContactEditor.OptInRefusedMessage]);
        var stored = await StoredAsync();
        (stored.OptedOut, stored.Version).ShouldBe((true, reopened.Version));
    }

    [Fact]
    public async Task Opting_back_in_is_its_own_confirmed_action_and_is_logged()
    {
        (await editor.OptOutAsync(ana.Id, Accounts.Operator, CancellationToken.None)).ShouldBeTrue();
        var shown = await OpenAsync();
        // The contact writes STOP again while the confirmation is open: that opt-in is refused.
        await updater.RecordInboundAsync(ChannelKind.WhatsApp, ana.Address, "STOP", clock.GetUtcNow().UtcDateTime, CancellationToken.None);
        var stale = await editor.OptBackInAsync(ana.Id, shown.Version, Accounts.Operator, CancellationToken.None);
        ShouldBeStale(stale);
        (await StoredAsync()).OptedOut.ShouldBeTrue();

        var current = await OpenAsync();
        (await editor.OptBackInAsync(ana.Id, current.Version, Accounts.Operator, CancellationToken.None)).ShouldBeNull();

        var stored = await StoredAsync();
        (stored.OptedOut, stored.OptedOutAt).ShouldBe((false, null));
        await using var db = database.CreateDbContext();
        var log = await db.Activity.Where(a => a.EntityId == ana.Id.ToString(CultureInfo.InvariantCulture)).OrderBy(a => a.Id).Select(a =>
            new { a.Action, a.UserName, a.Details }).ToListAsync();
        log.Select(a => a.Action).ShouldBe([ActivityActions.ContactOptedOut, ActivityActions.ContactOptedIn]);
        log[1].UserName.ShouldBe(Accounts.Operator.UserName);
        log[1].Details.ShouldBe($"Ana <{ana.Address}> opted back in");
        ActivityActions.Label(ActivityActions.ContactOptedIn).ShouldBe("Opted a contact back in");
    }
}
