using System.Security.Claims;
using BulkSender.Core.Attachments;
using BulkSender.Web.Features.Shared;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace BulkSender.Web.Features.Attachments;

/// <summary>
/// <c>POST /api/attachments</c> (login required): upload the image or PDF a message will carry, then send its id as
/// <c>attachment_id</c>. <c>GET /media/{token}/{file name}</c> (anonymous, because providers fetch it): the file itself.
/// </summary>
public static class AttachmentEndpoints
{
    /// <summary>An uploaded attachment; <c>url</c> is the path it is served at (relative to BulkSender's public URL).</summary>
    public sealed record AttachmentResponse(int Id, string FileName, string ContentType, AttachmentKind Kind, long Size, string Url);

    public static IEndpointRouteBuilder MapAttachmentEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/attachments").RequireAuthorization().WithTags("Attachments");
        api.MapPost("/", UploadAsync).DisableAntiforgery();
        api.MapGet("/{id:int}", async Task<Results<Ok<AttachmentResponse>, NotFound>> (int id, AttachmentStore store, CancellationToken ct) =>
            await store.FindAsync(id, ct) is { } found ? TypedResults.Ok(Response(found)) : TypedResults.NotFound());

        app.MapGet($"{AttachmentStore.MediaPath}/{{token}}/{{fileName}}", ServeAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Multipart/form-data with one <c>file</c>: checked by its content (JPEG, PNG or PDF, whatever its name says) and
    /// size (8 MB for an image, 25 MB for a PDF); a refused file gets a 400 naming the problem, or 413 when too large to read.
    /// </summary>
    private static async Task<Results<Created<AttachmentResponse>, ValidationProblem, ProblemHttpResult>> UploadAsync(
        IFormFile file, AttachmentStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (file.Length > AttachmentRules.MaxDocumentBytes)
            return TypedResults.Problem($"\"{file.FileName}\" is {AttachmentRules.Size(file.Length)}: attach {AttachmentRules.Accepted}.",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "The file is too large");
        var content = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
            await stream.ReadExactlyAsync(content, cancellationToken);
        var upload = await store.SaveAsync(content, file.FileName, user.ToActor(), cancellationToken);
        if (upload.Attachment is not { } saved)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = [upload.Error!] }, detail: upload.Error);
        return TypedResults.Created($"/api/attachments/{saved.Id}", Response(saved));
    }

    /// <summary>
    /// The file, with the type its content was judged to have; 404 for an unknown token or a file name that is not the
    /// attachment's (nothing lists what is there). Never changes, so providers and browsers may keep it.
    /// </summary>
    private static async Task<IResult> ServeAsync(string token, string fileName, HttpResponse response, AttachmentStore store,
        CancellationToken cancellationToken)
    {
        if (await store.FindByTokenAsync(token, cancellationToken) is not { } attachment || attachment.FileName != fileName)
            return Results.NotFound();
        var content = await store.ReadAsync(attachment, cancellationToken);
        response.Headers.CacheControl = "public, max-age=31536000, immutable";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("inline") { FileName = attachment.FileName }.ToString();
        return Results.Bytes(content, attachment.ContentType);
    }

    private static AttachmentResponse Response(AttachmentInfo a) => new(a.Id, a.FileName, a.ContentType, a.Kind, a.Length, a.Path);
}
