using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using BulkSender.Tests.Core.Attachments;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Web.Attachments;

[Collection(AppCollection.Name)]
public sealed class AttachmentApiTests(AppFixture app)
{
    private sealed record Uploaded(int Id, string FileName, string ContentType, string Kind, long Size, string Url);

    private static MultipartFormDataContent File(byte[] bytes, string name)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { content, "file", name } };
    }

    [Fact]
    public async Task An_upload_is_served_anonymously_at_an_unguessable_url_with_its_content_type()
    {
        using var client = await app.NewOperatorClientAsync();

        var response = await client.PostAsync("/api/attachments", File(AttachmentRulesTests.Png, "Spring sale.png"));

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var uploaded = (await response.Content.ReadFromJsonAsync<Uploaded>(TestJson.Options))!;
        (uploaded.FileName, uploaded.ContentType, uploaded.Kind).ShouldBe(("Spring-sale.png", "image/png", "Image"));
        var token = uploaded.Url.Split('/')[2];
        token.Length.ShouldBe(32); // 24 random bytes, base64url
        using var anonymous = app.NewClient();
        var media = await anonymous.GetAsync(uploaded.Url);
        media.StatusCode.ShouldBe(HttpStatusCode.OK);
        media.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
        (await media.Content.ReadAsByteArrayAsync()).ShouldBe(AttachmentRulesTests.Png);
        (await anonymous.GetAsync($"/media/{token}")).StatusCode.ShouldNotBe(HttpStatusCode.OK); // no listing: the login page or 404
        (await anonymous.GetAsync("/media/")).StatusCode.ShouldNotBe(HttpStatusCode.OK);
        // An unknown token or another name is the app's "not found" (the login page for an anonymous caller), never the file.
        (await anonymous.GetAsync($"/media/{new string('A', 32)}/Spring-sale.png")).StatusCode.ShouldNotBe(HttpStatusCode.OK);
        (await anonymous.GetAsync($"/media/{token}/other.png")).StatusCode.ShouldNotBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_png_named_pdf_is_refused_and_nothing_is_stored()
    {
        using var client = await app.NewOperatorClientAsync();
        await using var db = app.NewDbContext();
        var before = await db.Attachments.CountAsync();

        var response = await client.PostAsync("/api/attachments", File(AttachmentRulesTests.Png, "invoice.pdf"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("is named as a PDF, but its content is a PNG image");
        (await db.Attachments.CountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task A_message_refers_to_its_attachment_and_an_unknown_one_is_refused()
    {
        using var client = await app.NewOperatorClientAsync();
        var uploaded = (await (await client.PostAsync("/api/attachments", File(AttachmentRulesTests.Pdf, "offer.pdf")))
            .Content.ReadFromJsonAsync<Uploaded>(TestJson.Options))!;

        var draft = await client.PostAsJsonAsync("/api/messages",
            new
            {
                title = "With a PDF", content = "See the offer", channel = "email", audience = "selection", when = "draft",
                contact_ids = Array.Empty<int>(), attachment_id = uploaded.Id,
            },
            TestJson.Options);
        var unknown = await client.PostAsJsonAsync("/api/messages",
            new { title = "Missing", content = "x", channel = "email", audience = "channel", attachment_id = 999_999 },
            TestJson.Options);

        draft.StatusCode.ShouldBe(HttpStatusCode.Created, await draft.Content.ReadAsStringAsync());
        var id = (await draft.Content.ReadFromJsonAsync<Created>(TestJson.Options))!.Id;
        await using var db = app.NewDbContext();
        (await db.Messages.SingleAsync(m => m.Id == id)).AttachmentId.ShouldBe(uploaded.Id);
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("There is no attachment 999999: upload the file again.");
    }

    private sealed record Created(int Id);
}
