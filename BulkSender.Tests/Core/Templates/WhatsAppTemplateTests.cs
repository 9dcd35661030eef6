using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Core.Templates;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Core.Templates;

/// <summary>WhatsApp templates end to end on Core: sync from a Cloud API on 127.0.0.1, the compose rules, and sends per recipient.</summary>
public sealed class WhatsAppTemplateTests : IAsyncLifetime
{
    private ProviderServer server = null!;
    private CoreHost host = null!;

    private static readonly string WinterSale = ProviderServer.Template("winter_sale", "Hi {{1}}, our sale starts {{2}}.");

    public async Task InitializeAsync()
    {
        server = await ProviderServer.StartAsync();
        server.ServeCloudApi([WinterSale, ProviderServer.Template("order_update", "Order {{order}} for {{first_name}}", category: "UTILITY")],
            [ProviderServer.Template("old_offer", "Hi {{1}}", status: "PAUSED"), ProviderServer.Template("winter_sale", "Hola {{1}}, {{2}}.",
                language: "es")]);
        host = await CoreHost.StartAsync(contacts: 90, settings: new Dictionary<string, string?>
        {
            ["Channels:WhatsApp:BaseUrl"] = server.BaseAddress.ToString(),
            ["Channels:WhatsApp:ApiVersion"] = "v25.0",
            ["Channels:WhatsApp:PhoneNumberId"] = "106540352242922",
            ["Channels:WhatsApp:BusinessAccountId"] = "102290129340398",
            ["Channels:WhatsApp:AccessToken"] = "EAAJ-template-token",
        });
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await server.DisposeAsync();
    }

    private Task<TemplateSyncResult> SyncAsync() => host.Services.GetRequiredService<WhatsAppTemplateSync>().SyncAsync(CancellationToken.None);

    private static ComposeModel TemplateSend(IEnumerable<int> ids, string name = "winter_sale", params TemplateParameterInput[] parameters)
    {
        var model = CoreHost.Compose(ChannelKind.WhatsApp, ids);
        model.Content = "";
        model.WhatsAppTemplate = new WhatsAppTemplateInput { Name = name, Language = "en_US", Parameters = [.. parameters] };
        return model;
    }

    private static readonly TemplateParameterInput[] FirstNameAndMonday = [new() { Field = "first_name" }, new() { Text = "on Monday" }];

    [Fact]
    public async Task Sync_follows_the_paging_and_stores_every_template_with_its_status_category_and_components()
    {
        var result = await SyncAsync();

        (result.Listed, result.Added, result.Problem).ShouldBe((4, 4, null));
        server.Requests.Count(r => r.Path == "/v25.0/102290129340398/message_templates").ShouldBe(2, "the second page came from paging.next");
        server.Requests.ShouldAllBe(r => r.Authorization == "Bearer EAAJ-template-token");
        var templates = await host.Services.GetRequiredService<WhatsAppTemplateQueries>().ListAsync(CancellationToken.None);
        templates.Select(t => $"{t.Name}/{t.Language}/{t.Category}/{t.Status}").ShouldBe(
            ["old_offer/en_US/MARKETING/PAUSED", "order_update/en_US/UTILITY/APPROVED", "winter_sale/en_US/MARKETING/APPROVED",
                "winter_sale/es/MARKETING/APPROVED"]);
        var order = templates.Single(t => t.Name == "order_update");
        order.Slots.ShouldBe([new TemplateSlot("body", "order"), new TemplateSlot("body", "first_name")]);
        order.BodyText.ShouldBe("Order {{order}} for {{first_name}}");
    }

    [Fact]
    public async Task A_second_sync_updates_changed_templates_and_removes_the_ones_the_account_no_longer_lists()
    {
        await SyncAsync();
        server.ServeCloudApi([ProviderServer.Template("winter_sale", "Hi {{1}}, our sale starts {{2}}.", status: "PAUSED")]);

        var result = await SyncAsync();

        (result.Listed, result.Added, result.Updated, result.Removed).ShouldBe((1, 0, 1, 3));
        var templates = await host.Services.GetRequiredService<WhatsAppTemplateQueries>().ListAsync(CancellationToken.None);
        templates.Single().Status.ShouldBe("PAUSED");
    }

    [Fact]
    public async Task Only_an_approved_stored_template_with_every_parameter_mapped_within_Metas_limits_is_valid()
    {
        await SyncAsync();
        var validator = host.Services.GetRequiredService<ComposeValidator>();
        async Task<string> ErrorsAsync(ComposeModel model) =>
            string.Join(" | ", (await validator.ValidateAsync(model)).Errors.Select(e => e.ErrorMessage));
        var ids = await host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 2);

        (await ErrorsAsync(TemplateSend(ids, parameters: FirstNameAndMonday))).ShouldBeEmpty();
        (await ErrorsAsync(TemplateSend(ids, "old_offer", new TemplateParameterInput { Field = "name" })))
            .ShouldBe("The template \"old_offer\" is PAUSED: only approved templates can be sent.");
        (await ErrorsAsync(TemplateSend(ids, "no_such_template")))
            .ShouldBe("There is no WhatsApp template \"no_such_template\" in en_US: sync the templates list, or check the name.");
        (await ErrorsAsync(TemplateSend(ids, parameters: [new() { Field = "first_name" }])))
            .ShouldBe("The template \"winter_sale\" has 2 parameters: map each one (Body {{1}}, Body {{2}}); 1 given.");
        (await ErrorsAsync(TemplateSend(ids, parameters: [new() { Field = "shoe_size" }, new() { Text = "" }]))).ShouldBe(
            "Body {{1}}: \"shoe_size\" is not a contact field (use name, first_name, address, channel). "
            + "| Body {{2}}: map it to a contact field or enter its text.");
        (await ErrorsAsync(TemplateSend(ids, parameters: [new() { Field = "name" }, new() { Text = new string('x', 1025) }])))
            .ShouldBe("Body {{2}}: at most 1,024 characters (1,025 now).");
        var email = TemplateSend(await host.ActiveContactIdsAsync(ChannelKind.Email, 1), parameters: FirstNameAndMonday);
        email.Channel = ChannelKind.Email;
        (await ErrorsAsync(email)).ShouldBe("Templates are for WhatsApp only.");
    }

    [Fact]
    public async Task Twenty_WhatsApp_contacts_get_twenty_template_requests_each_with_its_own_first_name()
    {
        await SyncAsync();
        var ids = await host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 20);
        await using (var db = host.NewDbContext())
            foreach (var (id, i) in ids.Select((id, i) => (id, i)))
                await db.Contacts.Where(c => c.Id == id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Name, $"Ana{i:D2} Lima"));

        var messageId = await host.SendAsync(TemplateSend(ids, parameters: FirstNameAndMonday));
        await host.RunEnqueuedAsync();

        var sends = server.Requests.Where(r => r.Method == "POST").Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        sends.Count.ShouldBe(20, "templates are not limited by the 24-hour window: nobody here ever wrote");
        var firstNames = sends.Select(body =>
        {
            body.GetProperty("type").GetString().ShouldBe("template");
            var template = body.GetProperty("template");
            template.GetProperty("name").GetString().ShouldBe("winter_sale");
            template.GetProperty("language").GetProperty("code").GetString().ShouldBe("en_US");
            var component = template.GetProperty("components").EnumerateArray().Single();
            component.GetProperty("type").GetString().ShouldBe("body");
            var parameters = component.GetProperty("parameters").EnumerateArray().ToList();
            parameters.Select(p => p.GetRawText()).ShouldAllBe(p => p.StartsWith("{\"type\":\"text\",\"text\":"));
            parameters[1].GetProperty("text").GetString().ShouldBe("on Monday");
            return parameters[0].GetProperty("text").GetString();
        }).ToList();
        firstNames.ShouldBe(Enumerable.Range(0, 20).Select(i => $"Ana{i:D2}"), ignoreOrder: true);
        (await host.MessageAsync(messageId)).Status.ShouldBe(MessageStatus.Sent);
        (await host.MessageAsync(messageId)).Content.ShouldBe("Hi {{1}}, our sale starts {{2}}.");
    }

    [Fact]
    public async Task Named_parameters_are_sent_with_their_parameter_name()
    {
        await SyncAsync();
        var id = (await host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 1)).Single();
        await using (var db = host.NewDbContext())
            await db.Contacts.Where(c => c.Id == id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Name, "Grace Hopper"));

        await host.SendAsync(TemplateSend([id], "order_update", new() { Text = "A-1042" }, new() { Field = "first_name" }));
        await host.RunEnqueuedAsync();

        var body = JsonDocument.Parse(server.Requests.Single(r => r.Method == "POST").Body).RootElement;
        body.GetProperty("template").GetProperty("components")[0].GetProperty("parameters").GetRawText().ShouldBe(
            """[{"type":"text","parameter_name":"order","text":"A-1042"},{"type":"text","parameter_name":"first_name","text":"Grace"}]""");
    }

    [Fact]
    public async Task Free_text_to_contacts_outside_the_24_hour_window_fails_as_permission_without_calling_the_Cloud_API()
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 3);
        await using (var db = host.NewDbContext())
            await db.Contacts.Where(c => c.Id == ids[0]).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastInboundAt, DateTime.UtcNow.AddHours(-2)));

        var messageId = await host.SendAsync(CoreHost.Compose(ChannelKind.WhatsApp, ids));
        await host.RunEnqueuedAsync();

        server.Requests.Count(r => r.Method == "POST").ShouldBe(1, "only the contact who wrote two hours ago");
        var refused = (await host.DeliveriesAsync(messageId)).Where(d => d.ContactId != ids[0]).ToList();
        refused.Count.ShouldBe(2);
        refused.ShouldAllBe(d => d.Status == DeliveryStatus.Failed && d.ErrorType == ErrorType.Permission
            && d.ErrorCode == MessagingWindow.ErrorCode && d.ErrorMessage == MessagingWindow.WhatsAppOutsideWindowReason);
    }

    [Fact]
    public async Task The_template_choice_is_stored_with_the_message_and_a_draft_reopens_with_it()
    {
        await SyncAsync();
        var model = TemplateSend(await host.ActiveContactIdsAsync(ChannelKind.WhatsApp, 2), parameters: FirstNameAndMonday);
        model.When = SendTiming.Draft;

        var draftId = await host.SendAsync(model);

        var stored = (await host.MessageAsync(draftId)).WhatsAppTemplate!;
        (stored.Name, stored.Language).ShouldBe(("winter_sale", "en_US"));
        stored.Parameters.ShouldBe([new TemplateArgument("first_name", null, "body", "1"), new TemplateArgument(null, "on Monday", "body", "2")]);
        var reopened = (await host.Services.GetRequiredService<ComposePreview>().DraftAsync(draftId, CancellationToken.None))!.WhatsAppTemplate!;
        reopened.Parameters.Select(p => (p.Field, p.Text)).ShouldBe([("first_name", (string?)null), (null, "on Monday")]);
    }
}
