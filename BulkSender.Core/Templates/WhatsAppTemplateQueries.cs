using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Templates;

/// <summary>The stored WhatsApp templates: the list (by name, then language) and one by name and language.</summary>
public sealed class WhatsAppTemplateQueries(IDbContextFactory<AppDbContext> dbs)
{
    public async Task<IReadOnlyList<TemplateView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.WhatsAppTemplates.AsNoTracking().OrderBy(t => t.Name).ThenBy(t => t.Language)
            .Select(t => new TemplateView(t.Id, t.Name, t.Language, t.Category, t.Status, t.StatusReason, t.Components, t.SyncedAt))
            .ToListAsync(cancellationToken);
    }

    public async Task<TemplateView?> FindAsync(string name, string language, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.WhatsAppTemplates.AsNoTracking().Where(t => t.Name == name && t.Language == language)
            .Select(t => new TemplateView(t.Id, t.Name, t.Language, t.Category, t.Status, t.StatusReason, t.Components, t.SyncedAt))
            .SingleOrDefaultAsync(cancellationToken);
    }
}
