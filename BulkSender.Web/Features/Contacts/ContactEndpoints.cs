using System.Security.Claims;
using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Web.Features.Shared;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BulkSender.Web.Features.Contacts;

public static class ContactEndpoints
{
    public sealed record ImportResponse(int Added, int Updated, int Rejected, IReadOnlyList<RejectedRow> RejectedRows,
        IReadOnlyList<string> IgnoredColumns);

    public static IEndpointRouteBuilder MapContactEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/contacts").RequireAuthorization().WithTags("Contacts");

        // Query parameters in the API's snake_case: page from 0, page_size up to ContactQueries.MaxPageSize.
        group.MapGet("/", async (ContactQueries queries, string? search, ChannelKind? channel, string? tag,
            [FromQuery(Name = "opted_out")] bool? optedOut, ContactSort? sort, bool? descending, int? page,
            [FromQuery(Name = "page_size")] int? pageSize, CancellationToken cancellationToken) =>
            TypedResults.Ok(await queries.PageAsync(new ContactFilter(search, channel, tag, optedOut), sort ?? ContactSort.Name,
                descending ?? false, page ?? 0, pageSize ?? 50, cancellationToken)));

        group.MapGet("/{id:int}", async Task<Results<Ok<ContactForEdit>, NotFound>> (
            int id, ContactQueries queries, CancellationToken cancellationToken) =>
            await queries.ForEditAsync(id, cancellationToken) is { } contact ? TypedResults.Ok(contact) : TypedResults.NotFound());

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
                return TypedResults.Ok(new ImportResponse(result.Added, result.Updated, result.Rejected.Count, result.Rejected,
                    result.IgnoredColumns));
            }
            catch (ImportFileException ex)
            {
                return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "The file cannot be imported");
            }
        }).DisableAntiforgery();

        return app;
    }
}
