using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BulkSender.Core.Contacts;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Web.Contacts;

[Collection(AppCollection.Name)]
public sealed class ContactApiTests(AppFixture app)
{
    private async Task<HttpClient> OperatorAsync()
    {
        var client = app.NewClient();
        client.UseBearer(await Login.BearerTokenAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword));
        return client;
    }

    private static MultipartFormDataContent File(byte[] bytes, string name = "contacts.csv")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return new MultipartFormDataContent { { content, "file", name } };
    }

    [Fact]
    public async Task Import_reports_added_updated_and_rejected_rows_and_reimport_updates()
    {
        using var client = await OperatorAsync();
        var unique = Guid.NewGuid().ToString("N")[..8];
        var csv = $"name,address,channel,tags\nApi One,api1-{unique}@example.com,email,api-import\n" +
            $"Api Two,api2-{unique}@example.com,email,\nBad,nope,email,\n";

        var first = await client.PostAsync("/api/contacts/import", File(Encoding.UTF8.GetBytes(csv)));
        var second = await client.PostAsync("/api/contacts/import", File(Encoding.UTF8.GetBytes(csv.Replace("Api One", "Api Uno"))));

        first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        var a = await first.Content.ReadFromJsonAsync<ContactEndpointsImport>(TestJson.Options);
        a!.Added.ShouldBe(2);
        a.Rejected.ShouldBe(1);
        a.RejectedRows.Single().Line.ShouldBe(4);
        var b = await second.Content.ReadFromJsonAsync<ContactEndpointsImport>(TestJson.Options);
        b!.Added.ShouldBe(0);
        b.Updated.ShouldBe(2);
        await using var db = app.NewDbContext();
        (await db.Contacts.CountAsync(c => c.Address.EndsWith($"{unique}@example.com"))).ShouldBe(2);
        (await db.Contacts.SingleAsync(c => c.Address == $"api1-{unique}@example.com")).Name.ShouldBe("Api Uno");
    }

    [Fact]
    public async Task Import_names_the_columns_it_ignored()
    {
        using var client = await OperatorAsync();
        var csv = $"name,address,channel,city\nApi Three,api3-{Guid.NewGuid():N}@example.com,email,Lisbon\n";

        var response = await client.PostAsync("/api/contacts/import", File(Encoding.UTF8.GetBytes(csv)));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await response.Content.ReadAsStringAsync()).ShouldContain("\"ignored_columns\":[\"city (not a contact field)\"]");
        var result = await response.Content.ReadFromJsonAsync<ContactEndpointsImport>(TestJson.Options);
        result!.Added.ShouldBe(1);
        result.IgnoredColumns.ShouldBe(["city (not a contact field)"]);
    }

    [Fact]
    public async Task A_malformed_file_gets_a_problem_and_changes_nothing()
    {
        using var client = await OperatorAsync();
        await using var before = app.NewDbContext();
        var count = await before.Contacts.CountAsync();

        var response = await client.PostAsync("/api/contacts/import", File([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01], "photo.csv"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        problem.RootElement.GetProperty("detail").GetString()!.ShouldContain("not a CSV file");
        await using var after = app.NewDbContext();
        (await after.Contacts.CountAsync()).ShouldBe(count);
    }

    [Fact]
    public async Task Import_needs_a_login()
    {
        using var client = app.NewClient();
        var response = await client.PostAsync("/api/contacts/import", File(Encoding.UTF8.GetBytes("name,address,channel\n")));
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Contacts_api_pages_and_filters_server_side()
    {
        using var client = await OperatorAsync();

        var page = await client.GetFromJsonAsync<ContactPage>("/api/contacts?channel=WhatsApp&page_size=5&sort=Name", TestJson.Options);

        page!.Items.Count.ShouldBe(5);
        page.Total.ShouldBeGreaterThan(5);
        page.Items.ShouldAllBe(c => c.Channel == BulkSender.Core.Channels.ChannelKind.WhatsApp);
        page.Items.Select(c => c.Name).ShouldBeInOrder();
    }

    [Fact]
    public async Task A_contact_is_read_by_its_id_and_an_unknown_id_is_a_404()
    {
        await using var db = app.NewDbContext();
        var known = await db.Contacts.Include(c => c.Tags).OrderBy(c => c.Id).FirstAsync(c => c.Tags.Any());
        using var client = await OperatorAsync();
        using var anonymous = app.NewClient();

        var response = await client.GetAsync($"/api/contacts/{known.Id}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var contact = await response.Content.ReadFromJsonAsync<ContactForEdit>(TestJson.Options);
        (contact!.Id, contact.Name, contact.Address, contact.Channel, contact.OptedOut)
            .ShouldBe((known.Id, known.Name, known.Address, known.Channel, known.OptedOut));
        contact.Tags.ShouldBe(known.Tags.Select(t => t.Tag).Order().ToList());
        (await response.Content.ReadAsStringAsync()).ShouldContain("\"opted_out\":");
        (await client.GetAsync("/api/contacts/999999")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await anonymous.GetAsync($"/api/contacts/{known.Id}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private sealed record ContactEndpointsImport(int Added, int Updated, int Rejected, List<RejectedRow> RejectedRows, List<string> IgnoredColumns);
}
