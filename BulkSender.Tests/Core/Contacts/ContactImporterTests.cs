using System.Text;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Contacts;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Contacts;

[Trait("Database", "Both")]
public sealed class ContactImporterTests : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private TestDatabase database = null!;
    private ContactImporter importer = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        importer = new ContactImporter(database, Options.Create(new ContactsOptions { MaxImportBytes = 64 * 1024 }), new OptOutSignal(), clock);
    }

    public async Task DisposeAsync() => await database.DisposeAsync();

    private static MemoryStream Csv(string text) => new(Encoding.UTF8.GetBytes(text));

    private async Task<ImportResult> ImportAsync(string text)
    {
        var parsed = await importer.ParseAsync(Csv(text), CancellationToken.None);
        return await importer.ImportAsync(parsed, new Actor("u1", "operator@test.local"), "contacts.csv", null, CancellationToken.None);
    }

    [Fact]
    public async Task A_good_file_adds_every_contact_with_tags_and_opt_outs()
    {
        var result = await ImportAsync("""
            name,address,channel,tags,opted_out
            Ana Silva,Ana@Example.com,email,vip;newsletter,false
            Ben Okafor,+1 415 555 0123,whatsapp,,no
            Cy Ito,7000000000012345,messenger,lead,yes
            """);

        result.Added.ShouldBe(3);
        result.Updated.ShouldBe(0);
        result.Rejected.ShouldBeEmpty();
        await using var db = database.CreateDbContext();
        var contacts = await db.Contacts.Include(c => c.Tags).OrderBy(c => c.Name).ToListAsync();
        contacts.Select(c => (c.Channel, c.Address)).ShouldBe([
            (ChannelKind.Email, "ana@example.com"), (ChannelKind.WhatsApp, "+14155550123"), (ChannelKind.Messenger, "7000000000012345")]);
        contacts[0].Tags.Select(t => t.Tag).Order().ShouldBe(["newsletter", "vip"]);
        contacts[2].OptedOut.ShouldBeTrue();
        contacts[2].OptedOutAt.ShouldBe(clock.GetUtcNow().UtcDateTime);
        (await db.Activity.SingleAsync()).Details.ShouldBe("contacts.csv: 3 added, 0 updated, 0 rejected.");
    }

    [Fact]
    public async Task A_last_inbound_at_column_sets_when_contacts_last_wrote_in_utc()
    {
        var result = await ImportAsync("""
            name,address,channel,last_inbound_at
            Cy Ito,7000000000012345,messenger,2026-11-23T08:30:00Z
            Di Rossi,7000000000012346,messenger,2026-11-23T09:30:00+02:00
            Ed Novak,7000000000012347,messenger,2026-11-22 20:15
            Fay Weber,7000000000012348,messenger,
            """);

        result.Added.ShouldBe(4);
        result.Rejected.ShouldBeEmpty();
        await using var db = database.CreateDbContext();
        var inbound = await db.Contacts.OrderBy(c => c.Address).Select(c => c.LastInboundAt).ToListAsync();
        inbound.ShouldBe([
            new DateTime(2026, 11, 23, 8, 30, 0, DateTimeKind.Utc), new DateTime(2026, 11, 23, 7, 30, 0, DateTimeKind.Utc),
            new DateTime(2026, 11, 22, 20, 15, 0, DateTimeKind.Utc), null]);
    }

    [Fact]
    public async Task A_malformed_or_future_last_inbound_at_rejects_the_row_with_the_reason()
    {
        var parsed = await importer.ParseAsync(Csv("""
            name,address,channel,last inbound at
            Cy Ito,7000000000012345,messenger,yesterday
            Di Rossi,7000000000012346,messenger,23/11/2026 08:30
            Ed Novak,7000000000012347,messenger,2026-11-24T09:00:00Z
            Fay Weber,7000000000012348,messenger,2026-11-23T08:00:00Z
            """), CancellationToken.None);

        parsed.Rows.Select(r => r.Line).ShouldBe([5]);
        parsed.Rejected.Select(r => (r.Line, r.Reason)).ShouldBe([
            (2, "last_inbound_at must be an ISO 8601 date and time such as 2026-11-30T14:05:00Z, not 'yesterday'."),
            (3, "last_inbound_at must be an ISO 8601 date and time such as 2026-11-30T14:05:00Z, not '23/11/2026 08:30'."),
            (4, "last_inbound_at '2026-11-24T09:00:00Z' is in the future.")]);
    }

    [Fact]
    public async Task Re_importing_moves_the_last_inbound_time_forward_never_back_and_an_empty_value_keeps_it()
    {
        await ImportAsync("""
            name,address,channel,last_inbound_at
            Cy Ito,7000000000012345,messenger,2026-11-23T08:00:00Z
            Di Rossi,7000000000012346,messenger,2026-11-23T08:00:00Z
            Ed Novak,7000000000012347,messenger,2026-11-23T08:00:00Z
            """);

        var result = await ImportAsync("""
            name,address,channel,last_inbound_at
            Cy Ito,7000000000012345,messenger,2026-11-23T08:45:00Z
            Di Rossi,7000000000012346,messenger,2026-11-20T08:00:00Z
            Ed Novak,7000000000012347,messenger,
            """);

        result.Updated.ShouldBe(3);
        await using var db = database.CreateDbContext();
        (await db.Contacts.OrderBy(c => c.Address).Select(c => c.LastInboundAt).ToListAsync()).ShouldBe([
            new DateTime(2026, 11, 23, 8, 45, 0, DateTimeKind.Utc), new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc),
            new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc)]);
    }

    [Fact]
    public async Task The_sample_file_the_page_offers_imports_without_rejections()
    {
        var path = Path.Combine(RepoPaths.Root, "BulkSender.Web", "wwwroot", "samples", "contacts-sample.csv");
        await using var file = File.OpenRead(path);
        var today = new ContactImporter(database, Options.Create(new ContactsOptions()), new OptOutSignal(), TimeProvider.System);

        var parsed = await today.ParseAsync(file, CancellationToken.None);

        parsed.Rejected.ShouldBeEmpty();
        parsed.Rows.Count.ShouldBe(4);
        parsed.Rows.Single(r => r.Channel == ChannelKind.Messenger).LastInboundAt.ShouldBe(new DateTime(2026, 11, 30, 14, 5, 0, DateTimeKind.Utc));
    }

    [Fact]
    public async Task Bad_rows_are_reported_with_line_and_reason_and_the_good_rows_still_import()
    {
        var result = await ImportAsync("""
            name,address,channel
            Ana,ana@example.com,email
            ,nobody@example.com,email
            Ben,12345,sms
            Cy,not-a-mail,email
            Di,ana@example.com,email
            Ed,"+4479000001,whatsapp
            Fay,+447900000002,whatsapp,extra
            Gus,+447900000003,whatsapp
            """);

        result.Added.ShouldBe(2);
        result.Rejected.Select(r => r.Line).ShouldBe([3, 4, 5, 6, 7, 8]);
        result.Rejected[0].Reason.ShouldBe("The name is empty.");
        result.Rejected[1].Reason.ShouldContain("Unknown channel 'sms'");
        result.Rejected[2].Reason.ShouldContain("'not-a-mail' is not a valid e-mail address");
        result.Rejected[3].Reason.ShouldBe("Duplicate of line 2 (same channel and address).");
        result.Rejected[4].Reason.ShouldContain("quotes do not match");
        result.Rejected[5].Reason.ShouldContain("has 4 fields but the header names 3");
        await using var db = database.CreateDbContext();
        (await db.Contacts.Select(c => c.Name).OrderBy(n => n).ToListAsync()).ShouldBe(["Ana", "Gus"]);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public async Task A_quoted_name_over_two_lines_imports_as_one_row_with_a_space_and_later_rows_keep_their_line_numbers(string newline)
    {
        var text = string.Join(newline,
            "name,address,channel",
            "\"Ana", "Silva\",ana@example.com,email",
            "Ben,ben@example.com,email",
            "Cy,not-a-mail,email",
            "\"Di ", " Rossi\",di@example.com,email", "");

        var parsed = await importer.ParseAsync(Csv(text), CancellationToken.None);

        parsed.Rows.Select(r => (r.Line, r.Name)).ShouldBe([(2, "Ana Silva"), (4, "Ben"), (6, "Di Rossi")]);
        parsed.Rejected.Select(r => r.Line).ShouldBe([5]);
    }

    [Fact]
    public async Task A_line_break_inside_an_address_rejects_that_row_alone_with_the_reason()
    {
        var result = await ImportAsync("""
            name,address,channel
            Ana,"ana@example.com
            ana@work.example",email
            Ben,ben@example.com,email
            Cy,"+44 7900
            000001",whatsapp
            Di,di@example.com,email
            """);

        result.Rejected.Select(r => (r.Line, r.Reason)).ShouldBe([
            (2, "The address contains a line break (the row runs from line 2 to line 3); only a name may."),
            (5, "The address contains a line break (the row runs from line 5 to line 6); only a name may.")]);
        await using var db = database.CreateDbContext();
        (await db.Contacts.OrderBy(c => c.Name).Select(c => c.Name).ToListAsync()).ShouldBe(["Ben", "Di"]);
    }

    [Fact]
    public async Task A_stray_quote_that_closes_rows_later_costs_only_its_own_row()
    {
        var parsed = await importer.ParseAsync(Csv("""
            name,address,channel
            Ana,"ana@example.com,email
            Ben,ben@example.com,email
            "Cy",cy@example.com,email
            Di,di@example.com,email
            """), CancellationToken.None);

        parsed.Rejected.Select(r => r.Line).ShouldBe([2]);
        parsed.Rejected[0].Reason.ShouldContain("quotes do not match");
        parsed.Rows.Select(r => (r.Line, r.Name)).ShouldBe([(3, "Ben"), (4, "Cy"), (5, "Di")]);
    }

    [Fact]
    public async Task Columns_the_import_does_not_read_are_listed_as_ignored_in_the_preview_and_the_result()
    {
        var text = """
            name,address,channel,notes,phone,,company,
            Ana,ana@example.com,email,"likes
            cats",+441234567890,,ACME,
            Ben,ben@example.com,email,,,x,,
            """;
        var parsed = await importer.ParseAsync(Csv(text), CancellationToken.None);

        var preview = await importer.PreviewAsync(parsed, CancellationToken.None);
        var result = await importer.ImportAsync(parsed, Actor.System, "contacts.csv", null, CancellationToken.None);

        // notes and company are custom field columns: not fields yet, so the preview offers them and the import (not
        // confirmed) leaves them out.
        preview.IgnoredColumns.ShouldBe(["phone (a second address column)", "column 6 (no name)"]);
        preview.FieldsToCreate.Select(f => f.Key).ShouldBe(["notes", "company"]);
        result.IgnoredColumns.ShouldBe(
            ["phone (a second address column)", "column 6 (no name)", "notes (not a contact field)", "company (not a contact field)"]);
        parsed.Rows.Select(r => (r.Line, r.Address)).ShouldBe([(2, "ana@example.com"), (4, "ben@example.com")]);
    }

    [Fact]
    public async Task New_field_columns_become_fields_when_confirmed_and_their_values_are_stored()
    {
        var text = "name,address,channel,City,plan type\nAna,ana@example.com,email,Lisbon,gold\nBen,ben@example.com,email,,silver\n";
        var parsed = await importer.ParseAsync(Csv(text), CancellationToken.None);
        var preview = await importer.PreviewAsync(parsed, CancellationToken.None);
        preview.FieldsToCreate.Select(f => f.Key).ShouldBe(["city", "plan_type"]);

        var result = await importer.ImportAsync(parsed with { CreateNewFields = true }, Actor.System, "f.csv", null, CancellationToken.None);

        result.CreatedFields.ShouldBe(["city", "plan_type"]);
        result.IgnoredColumns.ShouldBeEmpty();
        await using (var db = database.CreateDbContext())
        {
            (await db.ContactFieldDefinitions.OrderBy(f => f.Key).Select(f => f.Label).ToListAsync()).ShouldBe(["City", "plan type"]);
            var values = await db.ContactFieldValues
                .Join(db.Contacts, v => v.ContactId, c => c.Id, (v, c) => c.Name + ":" + v.FieldKey + "=" + v.Value)
                .ToListAsync();
            values.Order().ShouldBe(["Ana:city=Lisbon", "Ana:plan_type=gold", "Ben:plan_type=silver"]);
        }

        // Re-imported: the fields exist now, an empty cell clears the value.
        var again = await importer.ParseAsync(Csv("name,address,channel,city\nAna,ana@example.com,email,\n"), CancellationToken.None);
        (await importer.PreviewAsync(again, CancellationToken.None)).KnownFields.Select(f => f.Key).ShouldBe(["city"]);
        await importer.ImportAsync(again, Actor.System, "g.csv", null, CancellationToken.None);
        await using var check = database.CreateDbContext();
        (await check.ContactFieldValues.CountAsync(v => v.FieldKey == "city")).ShouldBe(0);
    }

    [Fact]
    public async Task A_file_with_only_known_columns_and_a_trailing_comma_ignores_nothing()
    {
        var parsed = await importer.ParseAsync(Csv("Name,E-mail,Channel,Tags,\nAna,ana@example.com,email,vip,\n"), CancellationToken.None);

        (await importer.PreviewAsync(parsed, CancellationToken.None)).IgnoredColumns.ShouldBeEmpty();
    }

    [Fact]
    public async Task Reimporting_updates_existing_contacts_instead_of_duplicating_them()
    {
        await ImportAsync("""
            name,address,channel,tags
            Ana,ana@example.com,email,vip;old
            Ben,+14155550123,whatsapp,
            """);
        clock.Advance(TimeSpan.FromDays(1));

        var result = await ImportAsync("""
            name,address,channel,tags
            Ana Silva,ANA@example.com,email,vip;new
            Ben,+1 415-555-0123,whatsapp,
            Cy,cy@example.com,email,
            """);

        result.Added.ShouldBe(1);
        result.Updated.ShouldBe(2);
        await using var db = database.CreateDbContext();
        (await db.Contacts.CountAsync()).ShouldBe(3);
        var ana = await db.Contacts.Include(c => c.Tags).SingleAsync(c => c.Address == "ana@example.com");
        ana.Name.ShouldBe("Ana Silva");
        ana.Tags.Select(t => t.Tag).Order().ShouldBe(["new", "vip"]);
        ana.UpdatedAt.ShouldBe(clock.GetUtcNow().UtcDateTime);
    }

    [Fact]
    public async Task An_import_can_opt_a_contact_out_but_never_back_in()
    {
        await ImportAsync("name,address,channel,opted_out\nAna,ana@example.com,email,true\nBen,ben@example.com,email,false\n");

        await ImportAsync("name,address,channel,opted_out\nAna,ana@example.com,email,false\nBen,ben@example.com,email,true\n");

        await using var db = database.CreateDbContext();
        (await db.Contacts.Where(c => c.OptedOut).Select(c => c.Name).OrderBy(n => n).ToListAsync()).ShouldBe(["Ana", "Ben"]);
    }

    [Fact]
    public async Task Preview_counts_what_would_be_added_and_updated_and_writes_nothing()
    {
        await ImportAsync("name,address,channel\nAna,ana@example.com,email\n");

        var parsed = await importer.ParseAsync(
            Csv("name,address,channel\nAna,ana@example.com,email\nBen,ben@example.com,email\nbad,x,email\n"), CancellationToken.None);
        var preview = await importer.PreviewAsync(parsed, CancellationToken.None);

        preview.ToAdd.ShouldBe(1);
        preview.ToUpdate.ShouldBe(1);
        preview.Rejected.Single().Line.ShouldBe(4);
        preview.Sample.Select(r => r.Name).ShouldBe(["Ana", "Ben"]);
        await using var db = database.CreateDbContext();
        (await db.Contacts.CountAsync()).ShouldBe(1);
    }

    public static TheoryData<string, byte[]> NotCsv => new()
    {
        { "contains binary data", [0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00] },
        { "is not UTF-8 text", Encoding.Latin1.GetBytes("name,address,channel\nJosé Müller,jose@example.com,email\n") },
        { "The file is empty.", [] },
        { "The first row must be a header naming the columns name, address and channel (missing: name, channel)",
            Encoding.UTF8.GetBytes("Ana,ana@example.com,email\nBen,ben@example.com,email\n") },
        { "(missing: channel)", Encoding.UTF8.GetBytes("name,address\nAna,ana@example.com\n") },
        { "has a header row but no contacts", Encoding.UTF8.GetBytes("name,address,channel\n") },
        { "larger than the 64 KB limit", Encoding.UTF8.GetBytes("name,address,channel\n" +
            string.Concat(Enumerable.Range(0, 3000).Select(i => $"Person {i},p{i}@example.com,email\n"))) },
    };

    [Theory]
    [MemberData(nameof(NotCsv))]
    public async Task A_file_that_is_not_a_usable_csv_gets_one_clear_error_and_changes_nothing(string error, byte[] bytes)
    {
        var ex = await Should.ThrowAsync<ImportFileException>(() => importer.ParseAsync(new MemoryStream(bytes), CancellationToken.None));

        ex.Message.ShouldContain(error);
        await using var db = database.CreateDbContext();
        (await db.Contacts.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Headers_are_matched_loosely_and_a_utf8_bom_is_fine()
    {
        var result = await ImportAsync("\uFEFFName; E-mail ; Channel ; Tags\nJosé Müller;jose@example.com;email;vip\n");

        result.Added.ShouldBe(1);
        await using var db = database.CreateDbContext();
        (await db.Contacts.SingleAsync()).Name.ShouldBe("José Müller");
    }

    [Fact]
    public async Task Progress_is_reported_up_to_the_total()
    {
        var text = "name,address,channel\n" + string.Concat(Enumerable.Range(0, 2500).Select(i => $"P{i},p{i}@example.com,email\n"));
        var big = new ContactImporter(database, Options.Create(new ContactsOptions()), new OptOutSignal(), clock);
        var parsed = await big.ParseAsync(Csv(text), CancellationToken.None);
        var reports = new List<ImportProgress>();

        await big.ImportAsync(parsed, Actor.System, "big.csv", new SynchronousProgress(reports), CancellationToken.None);

        reports.First().ShouldBe(new ImportProgress(0, 2500));
        reports.Last().ShouldBe(new ImportProgress(2500, 2500));
        reports.Select(r => r.Processed).ShouldBeInOrder();
    }

    private sealed class SynchronousProgress(List<ImportProgress> reports) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => reports.Add(value);
    }
}
