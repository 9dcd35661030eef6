using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Web.Messages;

/// <summary>POST /api/messages/test-send on the real app (simulated channels): the provider's answer, or the form's errors.</summary>
[Collection(AppCollection.Name)]
public sealed class TestSendApiTests(AppFixture app)
{
    [Fact]
    public async Task An_operator_sends_a_test_to_a_contact_and_gets_the_providers_answer_and_no_message_is_created()
    {
        using var client = await app.NewOperatorClientAsync();
        int id;
        string address;
        await using (var db = app.NewDbContext())
            (id, address) = await db.Contacts.Where(c => c.Channel == ChannelKind.Email && !c.OptedOut).OrderBy(c => c.Id)
                .Select(c => ValueTuple.Create(c.Id, c.Address)).FirstAsync();
        var title = $"API test {Guid.NewGuid():N}";

        var response = await client.PostAsJsonAsync("/api/messages/test-send", new
        {
            title, content = "Hi {{ first_name }}", channel = "email", contact_id = id,
        });

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        answer.GetProperty("channel").GetString().ShouldBe("Email");
        var status = answer.GetProperty("status").GetString();
        status.ShouldBeOneOf("sent", "failed");
        if (status == "sent")
            answer.GetProperty("provider_message_id").GetString()!.ShouldStartWith(SimulatedChannel.ProviderIdPrefix);
        else
            answer.GetProperty("error_code").GetString().ShouldNotBeNullOrEmpty();
        answer.GetProperty("summary").GetString()!.ShouldContain(address);
        await using var read = app.NewDbContext();
        (await read.Messages.AnyAsync(m => m.Title == title)).ShouldBeFalse();
        var logged = await read.Activity.SingleAsync(a => a.Action == ActivityActions.TestSent && a.Details!.Contains(title));
        logged.UserName.ShouldBe(AppFixture.OperatorEmail);
    }

    [Fact]
    public async Task An_invalid_message_or_address_gets_a_400_with_the_forms_errors()
    {
        using var client = await app.NewOperatorClientAsync();

        var response = await client.PostAsJsonAsync("/api/messages/test-send", new
        {
            title = "", content = "Hi {{ citty }}", channel = "whatsapp", address = "not a number",
        });
        var badAddress = await client.PostAsJsonAsync("/api/messages/test-send", new
        {
            title = "Hello", content = "Hi", channel = "email", address = "ana@",
        });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        errors.GetProperty("title")[0].GetString().ShouldBe("Give the message a title.");
        errors.GetProperty("content")[0].GetString()!.ShouldContain("unknown field \"citty\"");
        badAddress.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badAddress.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("address")[0].GetString()
            .ShouldBe("'ana@' is not a valid e-mail address. (E-mail test)");
    }

    [Fact]
    public async Task Anonymous_callers_cannot_send_a_test()
    {
        using var anonymous = app.NewClient();

        var response = await anonymous.PostAsJsonAsync("/api/messages/test-send", new
        {
            title = "x", content = "x", channel = "email", address = "ana@example.com",
        });

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
