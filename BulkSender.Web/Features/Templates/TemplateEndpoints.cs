using System.Text.Json;
using BulkSender.Core.Templates;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BulkSender.Web.Features.Templates;

/// <summary>
/// <c>GET /api/channels/whatsapp/templates</c>: the stored WhatsApp templates (any login); <c>?refresh=true</c> syncs
/// them from the WhatsApp Business Account first, which only admins may (403 otherwise).
/// </summary>
public static class TemplateEndpoints
{
    public sealed record TemplateParameterItem(string Component, string Key, bool Named, int MaxLength);

    public sealed record TemplateItem(string Name, string Language, string Category, string Status, string? StatusReason, bool Selectable,
        IReadOnlyList<TemplateParameterItem> Parameters, JsonElement Components, DateTime SyncedAt);

    public sealed record SyncSummary(int Listed, int Added, int Updated, int Removed);

    public sealed record TemplateList(IReadOnlyList<TemplateItem> Items, SyncSummary? Synced);

    public static IEndpointRouteBuilder MapTemplateEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/channels/whatsapp/templates", async Task<Results<Ok<TemplateList>, ForbidHttpResult, ProblemHttpResult>> (
            bool? refresh, HttpContext http, WhatsAppTemplateSync sync, WhatsAppTemplateQueries templates, CancellationToken cancellationToken) =>
        {
            SyncSummary? synced = null;
            if (refresh == true)
            {
                if (!http.User.IsInRole(Core.Identity.Roles.Admin))
                    return TypedResults.Forbid();
                var result = await sync.SyncAsync(cancellationToken);
                if (!result.Succeeded)
                    return TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status502BadGateway,
                        title: "The templates could not be synced");
                synced = new SyncSummary(result.Listed, result.Added, result.Updated, result.Removed);
            }
            var items = (await templates.ListAsync(cancellationToken)).Select(t => new TemplateItem(t.Name, t.Language, t.Category, t.Status,
                t.StatusReason, t.Approved, t.Slots.Select(s => new TemplateParameterItem(s.Component, s.Key, s.Named, s.MaxLength)).ToList(),
                JsonSerializer.Deserialize<JsonElement>(t.Components), t.SyncedAt)).ToList();
            return TypedResults.Ok(new TemplateList(items, synced));
        }).RequireAuthorization().WithTags("Templates");
        return app;
    }
}
