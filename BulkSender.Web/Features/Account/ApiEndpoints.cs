using System.Security.Claims;
using BulkSender.Core.Identity;

namespace BulkSender.Web.Features.Account;

public static class ApiEndpoints
{
    public sealed record MeResponse(string Name, bool IsAdmin, string[] Roles);

    /// <summary>The API's own small surface: who am I. Feature endpoints map their own groups.</summary>
    public static IEndpointRouteBuilder MapApiEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization().WithTags("Account");
        api.MapGet("/me", (ClaimsPrincipal user) => TypedResults.Ok(new MeResponse(
            user.Identity?.Name ?? "",
            user.IsInRole(Roles.Admin),
            user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToArray())));
        return app;
    }
}
