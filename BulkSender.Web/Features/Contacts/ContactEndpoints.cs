using System.Security.Claims;
using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Web.Features.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BulkSender.Web.Features.Contacts;

public static class ContactEndpoints
{
    public sealed record ImportResponse(int Added, int Updated, int Rejected, IReadOnlyList<RejectedRow> RejectedRows);

    public static IEndpointRouteBuilder MapContactEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/contacts").RequireAuthorization().WithTags("Contacts");

        group.MapGet("/", async (ContactQueries queries, string? search, ChannelKind? channel, string? tag, bool? optedOut,
            ContactSort? sort, bool? descending, int? page, int? pageSize, CancellationToken cancellationToken) =>
            TypedResults.Ok(await queries.PageAsync(new ContactFilter(search, channel, tag, optedOut), sort ?? ContactSort.Name,
                descending ?? false, page ?? 0, pageSize ?? 50, cancellationToken)));

        // The same import as the page: multipart/form-data with one "file".
        group.MapPost("/import", async Task<Results<Ok<ImportResponse>, ProblemHttpResult>> (
            IFormFile file, ContactImporter importer, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            if (file.Length > importer.MaxBytes)
                return TypedResults.Problem(importer.TooLargeMessage, statusCode: StatusCodes.Status413PayloadTooLarge);
            try
            {
                await using var stream = file.OpenReadStream();
                var parsed = await importer.ParseAsync(stream, cancellationToken);
                var result = await importer.ImportAsync(parsed, user.ToActor(), file.FileName, null, cancellationToken);
                return TypedResults.Ok(new ImportResponse(result.Added, result.Updated, result.Rejected.Count, result.Rejected));
            }
            catch (ImportFileException ex)
            {
                return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "The file cannot be imported");
            }
        }).DisableAntiforgery();

        return app;
    }
}
