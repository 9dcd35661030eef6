using System.Security.Claims;
using BulkSender.Core.Contacts;
using BulkSender.Web.Features.Account;
using BulkSender.Web.Features.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BulkSender.Web.Features.Contacts;

/// <summary>
/// The custom contact fields over the API: anyone signed in lists them (what messages can read); admins add, change
/// and delete them, with the same checks as Settings → Contact fields.
/// </summary>
public static class ContactFieldEndpoints
{
    public sealed record FieldRequest(string? Key, string? Label, string? DefaultValue);

    public static IEndpointRouteBuilder MapContactFieldEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/contact-fields").RequireAuthorization().WithTags("Contacts");

        group.MapGet("/", async (ContactFieldDefinitions definitions, CancellationToken cancellationToken) =>
            TypedResults.Ok(await definitions.UsageAsync(cancellationToken)));

        group.MapPost("/", async Task<Results<Created, ValidationProblem>> (FieldRequest request, ContactFieldDefinitions definitions,
            ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            var input = new ContactFieldInput { Key = request.Key ?? "", Label = request.Label ?? "", DefaultValue = request.DefaultValue };
            return await definitions.AddAsync(input, user.ToActor(), cancellationToken) is { } errors
                ? Invalid(errors)
                : TypedResults.Created($"/api/contact-fields/{input.Key.Trim()}");
        }).RequireAuthorization(Policies.Admin);

        group.MapPut("/{key}", async Task<Results<NoContent, ValidationProblem, NotFound>> (string key, FieldRequest request,
            ContactFieldDefinitions definitions, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            var input = new ContactFieldInput { Key = key, Label = request.Label ?? "", DefaultValue = request.DefaultValue };
            return await definitions.UpdateAsync(key, input, user.ToActor(), cancellationToken) switch
            {
                null => TypedResults.NoContent(),
                { Errors: var errors } when errors.ContainsKey("") => TypedResults.NotFound(),
                var errors => Invalid(errors),
            };
        }).RequireAuthorization(Policies.Admin);

        group.MapDelete("/{key}", async Task<Results<NoContent, NotFound>> (string key, ContactFieldDefinitions definitions, ClaimsPrincipal user,
            CancellationToken cancellationToken) =>
            await definitions.DeleteAsync(key, user.ToActor(), cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound())
            .RequireAuthorization(Policies.Admin);

        return app;
    }

    private static ValidationProblem Invalid(EditErrors errors) =>
        TypedResults.ValidationProblem(errors.Errors.ToDictionary(e => ApiProblems.FieldName(e.Key), e => e.Value),
            title: "The field was not saved");
}
