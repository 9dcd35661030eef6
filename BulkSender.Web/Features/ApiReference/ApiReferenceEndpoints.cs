using NetEscapades.AspNetCore.SecurityHeaders;
using Scalar.AspNetCore;

namespace BulkSender.Web.Features.ApiReference;

/// <summary>
/// The API described for integrators, both behind the login: the OpenAPI document at <see cref="DocumentPath"/>
/// (Microsoft.AspNetCore.OpenApi, built from the endpoints' declared request and result types with the API's own
/// JSON options, so snake_case names) and an interactive reference page at <see cref="ReferencePath"/>
/// (Scalar). The document holds the <c>/api</c> endpoints only: webhooks, the hub and the pages are not for scripts.
/// The reference page runs under the app's Content Security Policy: its inline script carries this request's nonce,
/// its script files come from the app, and it loads no web fonts from elsewhere.
/// </summary>
public static class ApiReferenceEndpoints
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/scalar";

    public static IServiceCollection AddApiReference(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "BulkSender API";
                document.Info.Description =
                    "Log in with POST /api/auth/login and send the access_token as a bearer token; the dashboard's cookie works too.";
                return Task.CompletedTask;
            });
        });

    public static IEndpointRouteBuilder MapApiReferenceEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi().RequireAuthorization();
        app.MapScalarApiReference(ReferencePath, (options, http) => options
                .WithTitle("BulkSender API")
                .WithNonce(http.GetNonce())
                .DisableDefaultFonts())
            .RequireAuthorization();
        return app;
    }
}
