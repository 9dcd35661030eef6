using BulkSender.Core.Channels;
using BulkSender.Core.Channels.WhatsApp;
using BulkSender.Core.Contacts;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Templates;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Messages;

/// <summary>A hand-picked contact as it is now: whether it can receive a message on a channel.</summary>
public sealed record SelectedContact(int Id, ChannelKind Channel, bool OptedOut);

/// <summary>The hand-picked contacts (from the Contacts page, or kept with a draft) as they are now.</summary>
/// <param name="Missing">Picked contacts that no longer exist.</param>
public sealed record ComposeSelection(IReadOnlyList<SelectedContact> Contacts, int Missing)
{
    public static readonly ComposeSelection Empty = new([], 0);

    public int Count => Contacts.Count;

    /// <summary>The selected contacts that can receive the message on <paramref name="channel"/>.</summary>
    public List<int> Eligible(ChannelKind channel) => Contacts.Where(c => c.Channel == channel && !c.OptedOut).Select(c => c.Id).ToList();

    /// <summary>The channel most of the selection can be reached on (the first channel when none).</summary>
    public ChannelKind MainChannel => Contacts.Where(c => !c.OptedOut).GroupBy(c => c.Channel).OrderByDescending(g => g.Count())
        .Select(g => g.Key).FirstOrDefault();

    /// <summary>"N selected contacts: n on Email · n on other channels (left out) · n opted out (left out) · n no longer exist".</summary>
    public string Summary(ChannelKind channel)
    {
        var parts = new List<string> { $"{Text.Count(Count, "selected contact", "selected contacts")}: {Eligible(channel).Count:N0} on {channel}" };
        if (Contacts.Count(c => c.Channel != channel && !c.OptedOut) is > 0 and var elsewhere)
            parts.Add($"{elsewhere:N0} on other channels (left out)");
        if (Contacts.Count(c => c.OptedOut) is > 0 and var optedOut)
            parts.Add($"{optedOut:N0} opted out (left out)");
        if (Missing > 0)
            parts.Add($"{Missing:N0} no longer exist");
        return string.Join(" · ", parts);
    }
}

/// <summary>What the compose form shows about its audience before it is sent.</summary>
/// <param name="Tags">The tags of the channel's active contacts, with how many carry each.</param>
/// <param name="OutsideWindow">Messenger recipients who last wrote more than 24 hours ago (0 on other channels).</param>
public sealed record ComposeCounts(IReadOnlyList<TagCount> Tags, int Recipients, int OutsideWindow)
{
    public static readonly ComposeCounts Empty = new([], 0, 0);

    /// <summary>A WhatsApp template send under a messaging limit: how much of the audience it lets through now.</summary>
    public MessagingLimitRoom? MessagingLimit { get; init; }
}

/// <summary>
/// WhatsApp's messaging limit against one template send: <paramref name="Outside"/> of the <paramref name="Recipients"/>
/// are outside the service window and count toward the limit, which has <see cref="Room"/> left now (<paramref name="Used"/>
/// contacts counted in the last 24 hours); the others wait until <paramref name="RoomAt"/> and later, nothing fails.
/// </summary>
public sealed record MessagingLimitRoom(int Limit, int Used, int Recipients, int Outside, DateTime? RoomAt)
{
    public int Room => Math.Max(0, Limit - Used);

    /// <summary>The recipients who go now: everyone inside the window, and as many outside it as there is room for.</summary>
    public int FitNow => Recipients - Outside + Math.Min(Outside, Room);

    public int Waiting => Recipients - FitNow;
}

/// <summary>The compose page's read side: a draft to edit, the picked contacts, and the live audience counts.</summary>
public sealed class ComposePreview(IDbContextFactory<AppDbContext> dbs, TimeProvider clock, WhatsAppMessagingLimit messagingLimit)
{
    /// <summary>A draft as a form model (with its picked contacts); null when it is no longer a draft.</summary>
    public async Task<ComposeModel?> DraftAsync(int messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var draft = await db.Messages.AsNoTracking()
            .SingleOrDefaultAsync(m => m.Id == messageId && m.Status == MessageStatus.Draft, cancellationToken);
        if (draft is null)
            return null;
        var ids = await db.DraftRecipients.Where(r => r.MessageId == messageId).Select(r => r.ContactId).ToListAsync(cancellationToken);
        return ComposeModel.From(draft, ids);
    }

    public async Task<ComposeSelection> SelectionAsync(IReadOnlyCollection<int> contactIds, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var contacts = await db.Contacts.AsNoTracking().Where(c => contactIds.Contains(c.Id))
            .Select(c => new SelectedContact(c.Id, c.Channel, c.OptedOut)).ToListAsync(cancellationToken);
        return new ComposeSelection(contacts, contactIds.Count - contacts.Count);
    }

    /// <summary>The channel's tags, how many the send would reach now, and how many of them are outside Messenger's 24-hour window.</summary>
    public async Task<ComposeCounts> CountAsync(ComposeModel model, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var channel = model.Channel;
        var tags = await db.ContactTags
            .Where(t => db.Contacts.Any(c => c.Id == t.ContactId && c.Channel == channel && !c.OptedOut))
            .GroupBy(t => t.Tag).OrderBy(g => g.Key).Select(g => new TagCount(g.Key, g.Count())).ToListAsync(cancellationToken);
        if (model.Audience == AudienceKind.Tag && string.IsNullOrEmpty(model.AudienceTag))
            return new ComposeCounts(tags, 0, 0);
        var audience = Recipients.Of(model);
        var recipients = await audience.CountAsync(db, cancellationToken);
        var outsideWindow = model.Channel == ChannelKind.Messenger || (model.Channel == ChannelKind.WhatsApp && model.WhatsAppTemplate is null)
            ? await audience.CountOutsideWindowAsync(db, clock.GetUtcNow().UtcDateTime, cancellationToken)
            : 0;
        return new ComposeCounts(tags, recipients, outsideWindow)
        {
            MessagingLimit = model.Channel == ChannelKind.WhatsApp && model.WhatsAppTemplate is not null
                && await messagingLimit.LimitAsync(cancellationToken) is { } limit
                ? await RoomAsync(limit, recipients, await audience.CountOutsideWindowAsync(db, clock.GetUtcNow().UtcDateTime,
                    cancellationToken), cancellationToken)
                : null,
        };
    }

    private async Task<MessagingLimitRoom> RoomAsync(int limit, int recipients, int outside, CancellationToken cancellationToken)
    {
        var (used, roomAt) = await messagingLimit.UsageAsync(cancellationToken);
        return new MessagingLimitRoom(limit, used, recipients, outside, roomAt);
    }

    /// <summary>The fields a template can use now: the standard ones and the admin's.</summary>
    public async Task<ContactFieldSet> FieldSetAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return ContactFields.With(await db.ContactFieldDefinitions.AsNoTracking().OrderBy(f => f.Key).ToListAsync(cancellationToken));
    }

    /// <summary>
    /// The first <paramref name="count"/> recipients (by contact id) a send of this form reaches, with their custom
    /// values: the preview's people.
    /// </summary>
    public async Task<IReadOnlyList<RecipientValues>> SampleAsync(ComposeModel model, int count, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var contacts = await Audience(db, model).OrderBy(c => c.Id).Take(count)
            .Select(c => new { c.Id, c.Name, c.Address, Fields = c.Fields.Select(f => new { f.FieldKey, f.Value }).ToList() })
            .ToListAsync(cancellationToken);
        return contacts.Select(c => new RecipientValues(c.Name, c.Address, model.Channel,
            c.Fields.ToDictionary(f => f.FieldKey, f => f.Value, StringComparer.Ordinal))).ToList();
    }

    /// <summary>
    /// For each of <paramref name="fields"/>: how many recipients of the whole audience have no value for it ("12
    /// recipients have no city"). Fields nobody lacks are left out.
    /// </summary>
    public async Task<IReadOnlyList<MissingField>> MissingAsync(ComposeModel model, IEnumerable<ContactField> fields,
        CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var missing = new List<MissingField>();
        foreach (var field in fields.Where(f => f.IsCustom))
        {
            var key = field.Key;
            var count = await Audience(db, model)
                .CountAsync(c => !db.ContactFieldValues.Any(v => v.ContactId == c.Id && v.FieldKey == key && v.Value != ""), cancellationToken);
            if (count > 0)
                missing.Add(new MissingField(field.Key, field.Label, count));
        }
        return missing;
    }

    /// <summary>The contacts a send of this form reaches now (the LINQ form of <see cref="Recipients"/>' condition).</summary>
    private static IQueryable<Contact> Audience(AppDbContext db, ComposeModel model)
    {
        var contacts = db.Contacts.AsNoTracking().Where(c => c.Channel == model.Channel && !c.OptedOut);
        var ids = model.ContactIds ?? [];
        return model.Audience switch
        {
            AudienceKind.Selection => contacts.Where(c => ids.Contains(c.Id)),
            AudienceKind.Tag => contacts.Where(c => db.ContactTags.Any(t => t.ContactId == c.Id && t.Tag == model.AudienceTag)),
            _ => contacts,
        };
    }
}

/// <summary>A field the message reads that <see cref="Count"/> recipients have no value for (and nothing stands in).</summary>
public sealed record MissingField(string Key, string Label, int Count)
{
    public string Text => $"{BulkSender.Core.Text.Count(Count, "recipient has", "recipients have")} no {Label.ToLowerInvariant()}";
}
