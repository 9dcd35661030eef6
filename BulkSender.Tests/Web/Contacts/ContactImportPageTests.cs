using BulkSender.Core.Compliance;
using BulkSender.Core.Contacts;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Contacts;
using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BulkSender.Tests.Web.Contacts;

/// <summary>The import page's preview against the real importer on its own SQLite file (bUnit, no browser).</summary>
public sealed class ContactImportPageTests : MudTestContext, IAsyncLifetime
{
    private TestDatabase database = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        Services.AddSingleton(new ContactImporter(database, Options.Create(new ContactsOptions()), new OptOutSignal(), TimeProvider.System));
        AddAuthorization().SetAuthorized("operator@test.local");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public void The_preview_offers_unknown_columns_as_new_fields_and_shows_a_name_written_over_two_lines_on_one()
    {
        var page = Render<ContactImportPage>();

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(
            "name,address,channel,Notes,Company\n\"Ana\nSilva\",ana@example.com,email,\"likes\ncats\",ACME\nBen,ben@example.com,email,,\n",
            "contacts.csv"));

        // An operator, not an admin: offered, but told who can create them.
        page.WaitForAssertion(() => page.Find("[data-testid=new-fields]").TextContent.Trim().ShouldBe(
            "New fields: notes, company — create them?\n Only an admin can create contact fields: without them these columns are not imported."),
            TimeSpan.FromSeconds(10));
        page.FindAll("[data-testid=ignored-columns]").ShouldBeEmpty();
        page.Find("[data-testid=import-counts]").TextContent.ShouldContain("2 to add");
        var sample = page.FindAll("tbody tr").Select(r => r.TextContent).Where(t => t.Contains("@example.com")).ToList();
        sample[0].ShouldStartWith("2Ana Silva");
        sample[1].ShouldStartWith("5Ben"); // Ana's row runs over lines 2 to 4 (her notes too)
    }

    [Fact]
    public void A_file_with_only_known_columns_shows_no_ignored_columns()
    {
        var page = Render<ContactImportPage>();

        page.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromText("name,address,channel\nAna,ana@example.com,email\n", "contacts.csv"));

        page.WaitForAssertion(() => page.Find("[data-testid=import-counts]").TextContent.ShouldContain("1 to add"), TimeSpan.FromSeconds(10));
        page.FindAll("[data-testid=ignored-columns]").ShouldBeEmpty();
    }
}
