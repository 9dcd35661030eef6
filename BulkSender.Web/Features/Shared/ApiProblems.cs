using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace BulkSender.Web.Features.Shared;

/// <summary>
/// The API's one JSON convention, and how the machine paths (<see cref="MachinePaths"/>) answer errors, in every
/// environment: JSON ProblemDetails, never an HTML page.
/// <list type="bullet">
/// <item>Property names are snake_case through one naming policy (<see cref="Naming"/>), for bodies read and written,
/// the OpenAPI document, and the field names of ValidationProblem errors (<see cref="FieldName"/>); enums are strings.
/// Dictionary keys (a channel's setting names) are data and keep their spelling.</item>
/// <item>A body the API cannot read (not JSON, a null where a value is required, a value of the wrong type, no body)
/// is a 400 ValidationProblem naming the field by its JSON path. Minimal APIs throw
/// <see cref="BadHttpRequestException"/> for it (<see cref="RouteHandlerOptions.ThrowOnBadRequest"/>), and the JSON
/// reader refuses a null for a property that is not nullable (<see cref="JsonSerializerOptions.RespectNullableAnnotations"/>),
/// so a handler or validator never sees one. Other binding failures keep their status (415 for a body that is not
/// JSON by its Content-Type).</item>
/// <item>Any other exception is a 500 that names no cause (the exception handler logs it).</item>
/// <item>A bare error status (401, 403, 404, 405…) gets a ProblemDetails body.</item>
/// </list>
/// </summary>
public static class ApiProblems
{
    /// <summary>The API's naming policy for JSON property names.</summary>
    public static readonly JsonNamingPolicy Naming = JsonNamingPolicy.SnakeCaseLower;

    /// <summary>A .NET property name as the API writes it, for the keys of ValidationProblem errors.</summary>
    public static string FieldName(string propertyName) => Naming.ConvertName(propertyName);

    public static IServiceCollection AddApiProblems(this IServiceCollection services)
    {
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o =>
        {
            var json = o.SerializerOptions;
            json.PropertyNamingPolicy = Naming;
            json.Converters.Add(new JsonStringEnumConverter());
            json.RespectNullableAnnotations = true;
            // Only reading is strict: a response is written as it is, whatever a property's annotation says.
            json.TypeInfoResolver = (json.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(info =>
            {
                foreach (var property in info.Properties.Where(p => !p.PropertyType.IsValueType))
                    property.IsGetNullable = true;
            });
        });
        return services;
    }

    /// <summary>For the machine paths' branch of the pipeline, before authentication.</summary>
    public static IApplicationBuilder UseApiProblems(this IApplicationBuilder app) => app
        .UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = WriteAsync,
            // A request that cannot be read is the client's mistake, not the app's: no error log for it.
            SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException,
        })
        .UseStatusCodePages();

    private static Task WriteAsync(HttpContext context)
    {
        var failure = context.Features.Get<IExceptionHandlerFeature>();
        var result = failure?.Error is BadHttpRequestException bad
            ? BadRequest(context, failure.Endpoint, bad)
            : TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "Something went wrong",
                detail: "The request failed on the server and nothing is known to have changed. " +
                    "Try again; if it keeps failing, tell an administrator (the error is logged).");
        return result.ExecuteAsync(context);
    }

    /// <param name="endpoint">The endpoint that was reading the request (the handler has taken it off the context).</param>
    private static IResult BadRequest(HttpContext context, Endpoint? endpoint, BadHttpRequestException exception)
    {
        var accepts = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>();
        var jsonBody = accepts?.RequestType is not null && accepts.ContentTypes.Any(t => t.Contains("json", StringComparison.OrdinalIgnoreCase));
        if (exception.InnerException is JsonException json)
        {
            var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            var (field, message) = JsonBodyErrors.Describe(json, jsonBody ? accepts!.RequestType : null, options);
            return Invalid(field, message);
        }
        if (exception.StatusCode == StatusCodes.Status400BadRequest && jsonBody)
            return Invalid(JsonBodyErrors.Body, "Send a JSON object in the body.");
        return TypedResults.Problem(statusCode: exception.StatusCode, title: "The request cannot be read", detail: exception.Message);
    }

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message,
            title: "The request body cannot be read");
}
