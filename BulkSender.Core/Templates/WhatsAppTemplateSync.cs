using System.Net.Http.Headers;
using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BulkSender.Core.Templates;

/// <summary>
/// Copies the WhatsApp Business Account's message templates into the database, and applies Meta's template status
/// updates.
/// </summary>
/// <remarks>
/// The sync: <c>GET {BaseUrl}/{version}/{waba id}/message_templates</c> (bearer token), following <c>paging.next</c>
/// while Meta gives one (only to the same host, so the token goes nowhere else; at most <see cref="MaxPages"/> pages);
/// then in one transaction each listed template (by name and language) is added or updated, and stored templates the
/// account no longer lists are removed. A failed page changes nothing.
/// </remarks>
public sealed class WhatsAppTemplateSync(HttpClient http, ChannelSettingsStore settings, IDbContextFactory<AppDbContext> dbs, TimeProvider clock,
    ILogger<WhatsAppTemplateSync> log)
{
    public const int MaxPages = 50;
    private const string Fields = "id,name,language,status,category,components";

    private sealed record Listed(string? Id, string Name, string Language, string Category, string Status, string Components);

    public async Task<TemplateSyncResult> SyncAsync(CancellationToken cancellationToken)
    {
        var options = await settings.WhatsAppAsync(cancellationToken);
        if (!options.CanListTemplates)
            return TemplateSyncResult.Failed("WhatsApp templates cannot be listed: set the Cloud API base URL, "
                + "the WhatsApp Business Account ID and the access token in Settings.");

        var listed = new List<Listed>();
        var first = GraphApi.Url(options.BaseUrl!, options.ApiVersion, options.BusinessAccountId!, "message_templates");
        Uri? url = new($"{first}?fields={Fields}&limit=100");
        for (var page = 0; url is not null && page < MaxPages; page++)
        {
            var (items, next, problem) = await PageAsync(url, options.AccessToken!, cancellationToken);
            if (problem is not null)
                return TemplateSyncResult.Failed(problem);
            listed.AddRange(items);
            url = next is not null && next.Scheme == first.Scheme && next.Authority == first.Authority ? next : null;
        }
        var result = await StoreAsync(listed, cancellationToken);
        log.LogInformation("WhatsApp templates synced: {Listed} listed, {Added} added, {Updated} updated, {Removed} removed",
            result.Listed, result.Added, result.Updated, result.Removed);
        return result;
    }

    /// <summary>Meta's <c>message_template_status_update</c>: the template's new status (e.g. APPROVED → PAUSED) and its reason.</summary>
    public async Task<int> ApplyStatusAsync(string? providerId, string? name, string? language, string status, string? reason,
        CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var target = providerId is not null && await db.WhatsAppTemplates.AnyAsync(t => t.ProviderId == providerId, cancellationToken)
            ? db.WhatsAppTemplates.Where(t => t.ProviderId == providerId)
            : db.WhatsAppTemplates.Where(t => t.Name == name && t.Language == language);
        reason = reason is null or "NONE" ? null : reason.Length > 500 ? reason[..500] : reason;
        return await target.ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, status.ToUpperInvariant())
            .SetProperty(t => t.StatusReason, reason).SetProperty(t => t.UpdatedAt, now), cancellationToken);
    }

    private async Task<(List<Listed> Items, Uri? Next, string? Problem)> PageAsync(Uri url, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        string text;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                return ([], null, GraphApi.Truncate($"The provider refused the template list: HTTP {(int)response.StatusCode} {Describe(text)}"));
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return ([], null, GraphApi.Truncate($"Could not reach the provider: {ex.Message}"));
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var items = root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
                ? data.EnumerateArray().Select(Read).OfType<Listed>().ToList()
                : [];
            var next = root.TryGetProperty("paging", out var paging)
                && paging.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.String
                && Uri.TryCreate(n.GetString(), UriKind.Absolute, out var nextUrl) ? nextUrl : null;
            return (items, next, null);
        }
        catch (JsonException)
        {
            return ([], null, "The provider's template list is not JSON.");
        }
    }

    private static Listed? Read(JsonElement t)
    {
        string? Text(string name) => t.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (Text("name") is not { Length: > 0 } name || Text("language") is not { Length: > 0 } language)
            return null;
        var components = t.TryGetProperty("components", out var c) && c.ValueKind == JsonValueKind.Array ? c.GetRawText() : "[]";
        return new Listed(Text("id"), name, language, Text("category") ?? "", Text("status") ?? "", components);
    }

    private static string Describe(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("error", out var e) && GraphError.From(e) is { } error ? error.Describe() : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private Task<TemplateSyncResult> StoreAsync(List<Listed> listed, CancellationToken cancellationToken) =>
        dbs.InTransactionAsync(async (db, ct) =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var stored = await db.WhatsAppTemplates.ToListAsync(ct);
            var byKey = stored.ToDictionary(t => (t.Name, t.Language));
            var seen = new HashSet<(string, string)>();
            var (added, updated) = (0, 0);
            foreach (var item in listed.Where(l => seen.Add((l.Name, l.Language))))
            {
                if (!byKey.TryGetValue((item.Name, item.Language), out var template))
                {
                    db.WhatsAppTemplates.Add(new WhatsAppTemplate
                    {
                        ProviderId = item.Id, Name = item.Name, Language = item.Language, Category = item.Category, Status = item.Status,
                        Components = item.Components, SyncedAt = now, UpdatedAt = now,
                    });
                    added++;
                    continue;
                }
                if ((template.ProviderId, template.Category, template.Status, template.Components) != (item.Id, item.Category, item.Status,
                    item.Components))
                {
                    (template.ProviderId, template.Category, template.Components, template.UpdatedAt) = (item.Id, item.Category,
                        item.Components, now);
                    if (template.Status != item.Status)
                        (template.Status, template.StatusReason) = (item.Status, null);
                    updated++;
                }
                template.SyncedAt = now;
            }
            var gone = stored.Where(t => !seen.Contains((t.Name, t.Language))).ToList();
            db.WhatsAppTemplates.RemoveRange(gone);
            await db.SaveChangesAsync(ct);
            return new TemplateSyncResult(seen.Count, added, updated, gone.Count);
        }, cancellationToken);
}
