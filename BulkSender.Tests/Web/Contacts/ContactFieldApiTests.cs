using System.Net;
using System.Net.Http.Json;
using BulkSender.Core.Contacts;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Web.Contacts;

/// <summary>Custom contact fields over the API (admins manage them, anyone signed in reads them) and "what this person got".</summary>
[Collection(AppCollection.Name)]
public sealed class ContactFieldApiTests(AppFixture app)
{
    private sealed record FieldItem(string Key, string Label, string? DefaultValue, int Contacts);

    private sealed record Copy(string Title, string Content, string? Problem);

    private sealed record FailedItem(int? RecipientId, long DeliveryId);

    private sealed record FailedList(List<FailedItem> FailedRecipients);

    private async Task<HttpClient> AdminAsync()
    {
        var client = app.NewClient();
        client.UseBearer(await Login.BearerTokenAsync(client, AppFixture.AdminEmail, AppFixture.AdminPassword));
        return client;
    }

    [Fact]
    public async Task An_admin_adds_relabels_and_deletes_a_field_an_operator_reads_the_list_and_cannot_change_it()
    {
        using var admin = await AdminAsync();
        using var operatorClient = await app.NewOperatorClientAsync();
        var key = "plan_" + Guid.NewGuid().ToString("N")[..6];

        (await admin.PostAsJsonAsync("/api/contact-fields", new { key, label = "Plan", default_value = "basic" }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        var again = await admin.PostAsJsonAsync("/api/contact-fields", new { key, label = "Plan" });
        again.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await again.Content.ReadAsStringAsync()).ShouldContain($"There is already a field '{key}'.");
        var bad = await admin.PostAsJsonAsync("/api/contact-fields", new { key = "Plan Type", label = "" });
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await bad.Content.ReadAsStringAsync();
        problem.ShouldContain("'Plan Type' is not a key");
        problem.ShouldContain("Give the field a label.");
        (await operatorClient.PostAsJsonAsync("/api/contact-fields", new { key = key + "_x", label = "X" })).StatusCode
            .ShouldBe(HttpStatusCode.Forbidden);

        (await admin.PutAsJsonAsync($"/api/contact-fields/{key}", new { label = "Plan name" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var listed = await operatorClient.GetFromJsonAsync<List<FieldItem>>("/api/contact-fields", TestJson.Options);
        listed!.Single(f => f.Key == key).ShouldBe(new FieldItem(key, "Plan name", null, 0));

        (await operatorClient.DeleteAsync($"/api/contact-fields/{key}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await admin.DeleteAsync($"/api/contact-fields/{key}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await admin.DeleteAsync($"/api/contact-fields/{key}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await using var db = app.NewDbContext();
        (await db.ContactFieldDefinitions.AnyAsync(f => f.Key == key)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_failed_recipient_shows_what_they_got_rendered_with_their_values()
    {
        int messageId;
        int contactId;
        var key = "town_" + Guid.NewGuid().ToString("N")[..6];
        await using (var db = app.NewDbContext())
        {
            (messageId, var failed) = await FinishedSendBuilder.CreateAsync(db, 1, ErrorType.Network);
            contactId = failed.Single();
            db.ContactFieldDefinitions.Add(new ContactFieldDefinition { Key = key, Label = "Town", CreatedAt = DateTime.UtcNow });
            db.ContactFieldValues.Add(new ContactFieldValue { ContactId = contactId, FieldKey = key, Value = "Braga" });
            await db.SaveChangesAsync();
            await db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Title, "For {{ first_name }}")
                .SetProperty(m => m.Content, "Hi {{ first_name }} in {{ " + key + " }}"));
        }
        using var client = await app.NewOperatorClientAsync();

        var list = await client.GetFromJsonAsync<FailedList>($"/api/messages/{messageId}/failed-recipients", TestJson.Options);
        var delivery = list!.FailedRecipients.Single().DeliveryId;
        var copy = await client.GetFromJsonAsync<Copy>($"/api/messages/{messageId}/deliveries/{delivery}/copy", TestJson.Options);

        await using var check = app.NewDbContext();
        var name = (await check.Contacts.SingleAsync(c => c.Id == contactId)).Name;
        var first = name.Split(' ')[0];
        copy.ShouldBe(new Copy($"For {first}", $"Hi {first} in Braga", null));
        (await client.GetAsync($"/api/messages/{messageId}/deliveries/{delivery + 100000}/copy")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private sealed record ContactItem(int Id, string Name, Dictionary<string, string> Fields);

    private sealed record ContactList(List<ContactItem> Items, int Total);

    [Fact]
    public async Task An_operator_sets_a_contacts_field_and_finds_it_by_the_fields_value()
    {
        var key = "region_" + Guid.NewGuid().ToString("N")[..6];
        int contactId;
        await using (var db = app.NewDbContext())
        {
            db.ContactFieldDefinitions.Add(new ContactFieldDefinition { Key = key, Label = "Region", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
            contactId = await db.Contacts.Where(c => !c.OptedOut).OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
        }
        using var client = await app.NewOperatorClientAsync();

        var set = new { fields = new Dictionary<string, string> { [key] = "North Coast" } };
        (await client.PatchAsJsonAsync($"/api/contacts/{contactId}/fields", set)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var unknown = await client.PatchAsJsonAsync($"/api/contacts/{contactId}/fields",
            new { fields = new Dictionary<string, string> { ["nope"] = "x" } });
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("'nope' is not a contact field");

        var found = await client.GetFromJsonAsync<ContactList>($"/api/contacts?field={key}&field_value=coast", TestJson.Options);
        found!.Total.ShouldBe(1);
        found.Items.Single().Id.ShouldBe(contactId);
        found.Items.Single().Fields[key].ShouldBe("North Coast");
        (await client.GetFromJsonAsync<ContactList>($"/api/contacts?field={key}&field_value=south", TestJson.Options))!.Total.ShouldBe(0);
    }
}
