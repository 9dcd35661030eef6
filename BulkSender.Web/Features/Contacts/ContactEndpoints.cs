using System.Security.Claims;
using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Core.Identity;
using BulkSender.Web.Features.Shared;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BulkSender.Web.Features.Contacts;

public static class ContactEndpoints
{
    public sealed record ImportResponse(int Added, int Updated, int Rejected, IReadOnlyList<RejectedRow> RejectedRows,
        IReadOnlyList<string> IgnoredColumns, IReadOnlyList<string> CreatedFields);

    /// <summary><c>{"fields": {"city": "Lisbon", "plan": ""}}</c>: each key set, an empty or null value cleared.</summary>
    public sealed record FieldsRequest(Dictionary<string, string?>? Fields);

    public static IEndpointRouteBuilder MapContactEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/contacts").RequireAuthorization().WithTags("Contacts");

        // Query parameters in the API's snake_case: page from 0, page_size up to ContactQueries.MaxPageSize.
        group.MapGet("/", async (ContactQueries queries, string? search, ChannelKind? channel, string? tag,
            [FromQuery(Name = "opted_out")] bool? optedOut, ContactSort? sort, bool? descending, int? page,
            [FromQuery(Name = "page_size")] int? pageSize, string? field, [FromQuery(Name = "field_value")] string? fieldValue,
            CancellationToken cancellationToken) =>
            TypedResults.Ok(await queries.PageAsync(new ContactFilter(search, channel, tag, optedOut, field, fieldValue), sort ?? ContactSort.Name,
                descending ?? false, page ?? 0, pageSize ?? 50, cancellationToken)));

        group.MapGet("/{id:int}", async Task<Results<Ok<ContactForEdit>, NotFound>> (
            int id, ContactQueries queries, CancellationToken cancellationToken) =>
            await queries.ForEditAsync(id, cancellationToken) is { } contact ? TypedResults.Ok(contact) : TypedResults.NotFound());

        group.MapPatch("/{id:int}/fields", async Task<Results<NoContent, ValidationProblem, NotFound, ProblemHttpResult>> (
            int id, FieldsRequest request, ContactEditor editor, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            var errors = await editor.SetFieldsAsync(id, request.Fields ?? [], user.ToActor(), cancellationToken);
            if (errors is null)
                return TypedResults.NoContent();
            if (errors.Errors.Values.Any(v => v.Contains(ContactEditor.NotFoundMessage)))
                return TypedResults.NotFound();
            if (errors.Conflict)
                return TypedResults.Problem(ContactEditor.ChangedMessage, statusCode: StatusCodes.Status409Conflict);
            return TypedResults.ValidationProblem(
                errors.Errors.ToDictionary(e => e.Key.Length == 0 ? "contact" : e.Key.ToLowerInvariant(), e => e.Value));
        });

        // The same import as the page: multipart/form-data with one "file". create_fields=true (admins): columns that are
        // not fields yet become fields; without it their values are not imported (listed among the ignored columns).
        group.MapPost("/import", async Task<Results<Ok<ImportResponse>, ProblemHttpResult>> (
            IFormFile file, ContactImporter importer, ClaimsPrincipal user, [FromQuery(Name = "create_fields")] bool? createFields,
            CancellationToken cancellationToken) =>
        {
            if (createFields == true && !user.IsInRole(Roles.Admin))
                return TypedResults.Problem("Only an admin can create contact fields.", statusCode: StatusCodes.Status403Forbidden);
            if (file.Length > importer.MaxBytes)
                return TypedResults.Problem(importer.TooLargeMessage, statusCode: StatusCodes.Status413PayloadTooLarge);
            try
            {
                await using var stream = file.OpenReadStream();
                var parsed = await importer.ParseAsync(stream, cancellationToken) with { CreateNewFields = createFields == true };
                var result = await importer.ImportAsync(parsed, user.ToActor(), file.FileName, null, cancellationToken);
                return TypedResults.Ok(new ImportResponse(result.Added, result.Updated, result.Rejected.Count, result.Rejected,
                    result.IgnoredColumns, result.CreatedFields ?? []));
            }
            catch (ImportFileException ex)
            {
                return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "The file cannot be imported");
            }
        }).DisableAntiforgery();

        return app;
    }
}
