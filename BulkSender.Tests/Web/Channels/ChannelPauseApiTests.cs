using System.Net;
using System.Net.Http.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Channels;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Web.Channels;

[Collection(AppCollection.Name)]
public sealed class ChannelPauseApiTests(AppFixture app)
{
    private async Task PauseWhatsAppAsync()
    {
        await using var db = app.NewDbContext();
        db.ChannelPauses.Add(new ChannelPause
        {
            Channel = ChannelKind.WhatsApp, ErrorCode = "131048", Reason = "the phone number is restricted (spam rate limit)",
            Since = DateTime.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Only_admins_resume_a_paused_channel_and_everyone_sees_it_paused()
    {
        await PauseWhatsAppAsync();
        try
        {
            using var operatorClient = await app.NewOperatorClientAsync();
            var pauses = await operatorClient.GetFromJsonAsync<List<ChannelPauseEndpoints.ChannelPauseResponse>>("/api/channels/pauses",
                TestJson.Options);
            pauses!.ShouldHaveSingleItem().ErrorCode.ShouldBe("131048");
            (await operatorClient.PostAsync("/api/channels/whatsapp/resume", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

            using var admin = app.NewClient();
            await Login.AsAsync(admin, AppFixture.AdminEmail, AppFixture.AdminPassword);
            var resumed = await admin.PostAsync("/api/channels/whatsapp/resume", null);
            resumed.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await resumed.Content.ReadFromJsonAsync<ChannelResumed>(TestJson.Options))!.Channel.ShouldBe(ChannelKind.WhatsApp);
            (await admin.PostAsync("/api/channels/whatsapp/resume", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }
        finally
        {
            await using var db = app.NewDbContext();
            await db.ChannelPauses.ExecuteDeleteAsync();
        }
    }
}
