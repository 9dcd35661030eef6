using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Templates;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Web.Templates;

/// <summary>GET /api/channels/whatsapp/templates and POST /api/messages with a whatsapp_template, on the real app.</summary>
[Collection(AppCollection.Name)]
public sealed class TemplateApiTests(AppFixture app)
{
    private const string Body = """[{"type":"BODY","text":"Hi {{1}}, see you {{2}}."}]""";

    private async Task<HttpClient> LoginAsync(string email, string password)
    {
        var client = app.NewClient();
        client.UseBearer(await Login.BearerTokenAsync(client, email, password));
        return client;
    }

    private async Task StoreAsync(string name, string status)
    {
        await using var db = app.NewDbContext();
        if (await db.WhatsAppTemplates.AnyAsync(t => t.Name == name))
            return;
        db.WhatsAppTemplates.Add(new WhatsAppTemplate
        {
            Name = name, Language = "en_US", Category = "MARKETING", Status = status, Components = Body,
            SyncedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    private async Task<List<int>> WhatsAppIdsAsync(int count)
    {
        await using var db = app.NewDbContext();
        return await db.Contacts.Where(c => c.Channel == ChannelKind.WhatsApp && !c.OptedOut).OrderBy(c => c.Id)
            .Select(c => c.Id).Take(count).ToListAsync();
    }

    [Fact]
    public async Task Operators_list_the_stored_templates_but_only_admins_may_refresh_them()
    {
        await StoreAsync("api_listed", "APPROVED");
        using var operatorClient = await LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        var list = await operatorClient.GetFromJsonAsync<JsonElement>("/api/channels/whatsapp/templates");
        var listed = list.GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "api_listed");
        listed.GetProperty("selectable").GetBoolean().ShouldBeTrue();
        listed.GetProperty("parameters").GetRawText().ShouldBe(
            """[{"component":"body","key":"1","named":false,"max_length":1024},{"component":"body","key":"2","named":false,"max_length":1024}]""");
        (await operatorClient.GetAsync("/api/channels/whatsapp/templates?refresh=true")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var adminClient = await LoginAsync(AppFixture.AdminEmail, AppFixture.AdminPassword);
        var refused = await adminClient.GetAsync("/api/channels/whatsapp/templates?refresh=true");
        refused.StatusCode.ShouldBe(HttpStatusCode.BadGateway, "WhatsApp has no business account id in the test app");
        (await refused.Content.ReadAsStringAsync()).ShouldContain("WhatsApp Business Account ID");
    }

    [Fact]
    public async Task A_message_with_a_whatsapp_template_is_created_with_its_choice_and_a_paused_template_is_refused()
    {
        await StoreAsync("api_approved", "APPROVED");
        await StoreAsync("api_paused", "PAUSED");
        using var client = await LoginAsync(AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        var ids = await WhatsAppIdsAsync(3);
        object Request(string template) => new
        {
            title = "Template by API", channel = "whatsapp", audience = "selection", contact_ids = ids, when = "draft",
            whatsapp_template = new
            {
                name = template, language = "en_US", parameters = new object[] { new { field = "first_name" }, new { text = "Friday" } },
            },
        };

        var created = await client.PostAsJsonAsync("/api/messages", Request("api_approved"));
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        await using (var db = app.NewDbContext())
            (await db.Messages.SingleAsync(m => m.Id == id)).WhatsAppTemplate!.Parameters
                .ShouldBe([new TemplateArgument("first_name", null, "body", "1"), new TemplateArgument(null, "Friday", "body", "2")]);

        var send = JsonSerializer.SerializeToElement(Request("api_paused"));
        var refused = await client.PostAsJsonAsync("/api/messages", new
        {
            title = "Paused", channel = "whatsapp", audience = "selection", contact_ids = ids,
            whatsapp_template = send.GetProperty("whatsapp_template"),
        });
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty("whatsapp_template")[0].GetString()
            .ShouldBe("The template \"api_paused\" is PAUSED: only approved templates can be sent.");
    }
}
