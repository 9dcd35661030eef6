using System.Data;
using System.Globalization;
using BulkSender.Core.Activity;
using BulkSender.Core.Attachments;
using BulkSender.Core.Campaigns;
using BulkSender.Core.Data;
using BulkSender.Core.Idempotency;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Core.Templates;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Dispatch;

/// <summary>The result of saving a compose form: the message, or what is wrong with the input (nothing saved).</summary>
public sealed record ComposeOutcome(int MessageId, MessageStatus Status, int Recipients, int Batches, IReadOnlyDictionary<string, string[]> Errors,
    int? CampaignId = null)
{
    /// <summary>The name <see cref="Errors"/> gives a problem with the idempotency key.</summary>
    public const string IdempotencyKeyField = "IdempotencyKey";

    public bool Succeeded => Errors.Count == 0;

    /// <summary>What the operator is told once a send is saved ("Sending to 236 recipients in 3 batches." and the like).</summary>
    public string Announcement(ComposeModel model) =>
        CampaignId is not null ? $"Campaign started: {Text.Count(Recipients, "recipient", "recipients")}, {model.DailyLimit:N0} a day."
        : Status == MessageStatus.Scheduled
            ? $"Scheduled: {Text.Count(Recipients, "recipient", "recipients")} at {model.ScheduledAt:yyyy-MM-dd HH:mm} UTC."
            : $"Sending to {Text.Count(Recipients, "recipient", "recipients")} in {Text.Count(Batches, "batch", "batches")}.";

    /// <summary>An earlier request with the same idempotency key made this send; nothing was created now.</summary>
    public bool Replayed { get; init; }

    /// <summary>The idempotency key was used before for a different request; nothing was created.</summary>
    public bool KeyReused { get; init; }

    public static ComposeOutcome Invalid(IReadOnlyDictionary<string, string[]> errors) => new(0, MessageStatus.Draft, 0, 0, errors);

    public static ComposeOutcome Invalid(string property, string error) => Invalid(new Dictionary<string, string[]> { [property] = [error] });
}

public enum CancelOutcome
{
    Cancelled,
    NotFound,

    /// <summary>Only sends that are scheduled or sending can be cancelled.</summary>
    NotCancellable,
}

/// <summary>
/// The one way a send is created (draft, scheduled or now) and cancelled. Creating writes the message, one delivery
/// per recipient and the batches in one transaction, then enqueues one job per batch.
/// </summary>
public sealed class SendService(
    IDbContextFactory<AppDbContext> dbs,
    ComposeValidator validator,
    RetryDefaults retryDefaults,
    BatchQueue queue,
    CampaignScheduler campaigns,
    SendCompletion completion,
    IdempotencyKeys keys,
    IDispatchProgress progress,
    IOptions<DispatchOptions> options,
    WhatsAppTemplateQueries templates,
    TimeProvider clock,
    AttachmentStore attachments,
    SendCancellations cancellations)
{
    /// <summary>
    /// Validates and saves the form: a new message, or the draft <paramref name="draftId"/> (edited, and sent unless saved as a draft
    /// again).
    /// </summary>
    public Task<ComposeOutcome> SaveAsync(ComposeModel model, int? draftId, Actor sender, CancellationToken cancellationToken) =>
        SaveAsync(model, draftId, sender, idempotencyKey: null, cancellationToken);

    /// <summary>
    /// The same, at most once per <paramref name="idempotencyKey"/> of the sender (see <see cref="IdempotencyKeys"/>):
    /// a repeated request gets the first one's outcome (<see cref="ComposeOutcome.Replayed"/>), a different request
    /// with a used key is refused (<see cref="ComposeOutcome.KeyReused"/>).
    /// </summary>
    public async Task<ComposeOutcome> SaveAsync(ComposeModel model, int? draftId, Actor sender, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        SendKey? key = null;
        if (idempotencyKey is not null)
        {
            if (IdempotencyKeys.Problem(idempotencyKey) is { } problem)
                return ComposeOutcome.Invalid(ComposeOutcome.IdempotencyKeyField, problem);
            key = IdempotencyKeys.For(sender, idempotencyKey, model, draftId);
            if (await keys.FindAsync(key, cancellationToken) is { } earlier)
                return IdempotencyKeys.Answer(earlier, key);
        }

        var validation = await validator.ValidateAsync(model, cancellationToken);
        if (!validation.IsValid)
            return ComposeOutcome.Invalid(new Dictionary<string, string[]>(validation.ToDictionary()));

        var recipients = Recipients.Of(model);
        if (model.Audience == AudienceKind.Selection && recipients.ContactIds.Count > 0
            && await CheckSelectionAsync(recipients, cancellationToken) is { } selectionError)
            return ComposeOutcome.Invalid(nameof(ComposeModel.ContactIds), selectionError);

        var retry = await retryDefaults.GetAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var template = model.Channel == Channels.ChannelKind.WhatsApp && model.WhatsAppTemplate is { } choice
            ? await templates.FindAsync(choice.Name.Trim(), choice.Language.Trim(), cancellationToken)
            : null;
        if (model.When != SendTiming.Draft || model.AttachmentId is not null)
        {
            var attachment = model.AttachmentId is { } attachmentId ? await attachments.FindAsync(attachmentId, cancellationToken) : null;
            if (AttachmentRules.SendProblem(model.AttachmentId, attachment, model.When == SendTiming.Draft ? null : template) is { } problem)
                return ComposeOutcome.Invalid(nameof(ComposeModel.AttachmentId), problem);
        }
        ComposeOutcome saved;
        try
        {
            saved = await CreateAsync(model, draftId, recipients, sender, retry, now, key, template, cancellationToken);
        }
        catch (NoRecipientsException)
        {
            return ComposeOutcome.Invalid("Recipients", "Nobody to send to: this audience has no contacts that have not opted out.");
        }
        catch (DbUpdateException e) when (key is not null && IdempotencyKeys.IsDuplicate(e))
        {
            // A request with this key committed while this one waited for its row: that send is the answer.
            if (await keys.FindAsync(key, cancellationToken) is { } first)
                return IdempotencyKeys.Answer(first, key);
            throw;
        }

        if (!saved.Succeeded)
            return saved;
        if (saved.Status == MessageStatus.Sending)
            await EnqueueDueBatchesAsync(saved.MessageId, cancellationToken);
        if (saved.CampaignId is { } campaignId)
            await campaigns.StartAsync(campaignId, model.ScheduledAt ?? now, cancellationToken);
        progress.MessageChanged(saved.MessageId);
        return saved;
    }

    /// <summary>
    /// The send's transaction. With a key, its row is the first write: a concurrent request with the same key waits
    /// on it, and the row is kept (with the outcome) only when the send is made.
    /// </summary>
    private Task<ComposeOutcome> CreateAsync(ComposeModel model, int? draftId, Recipients recipients, Actor sender, RetrySettings retry,
        DateTime now, SendKey? key, TemplateView? template, CancellationToken cancellationToken) =>
        dbs.InTransactionAsync(async (db, ct) =>
        {
            if (key is null)
                return await WriteAsync(db, model, draftId, recipients, sender, retry, now, template, ct);
            var record = db.IdempotencyKeys.Add(key.NewRecord(now)).Entity;
            await db.SaveChangesAsync(ct);
            var outcome = await WriteAsync(db, model, draftId, recipients, sender, retry, now, template, ct);
            if (outcome.Succeeded)
                (record.MessageId, record.Status, record.Recipients, record.Batches, record.CampaignId) =
                    (outcome.MessageId, outcome.Status, outcome.Recipients, outcome.Batches, outcome.CampaignId);
            else
                db.IdempotencyKeys.Remove(record);
            await db.SaveChangesAsync(ct);
            return outcome;
        }, cancellationToken, IsolationLevel.Serializable);

    private async Task<ComposeOutcome> WriteAsync(AppDbContext db, ComposeModel model, int? draftId, Recipients recipients, Actor sender,
        RetrySettings retry, DateTime now, TemplateView? template, CancellationToken ct)
    {
        var message = draftId is null ? null : await db.Messages.SingleOrDefaultAsync(m => m.Id == draftId && m.Status == MessageStatus.Draft, ct);
        if (draftId is not null && message is null)
            return ComposeOutcome.Invalid("", "This message is no longer a draft: it was sent or deleted meanwhile.");
        if (message is null)
        {
            message = new Message { Title = "", Content = "", CreatedAt = now, CreatedById = sender.UserId, CreatedByName = sender.UserName };
            db.Messages.Add(message);
        }
        Apply(model, message, retry, now, template);
        await db.SaveChangesAsync(ct);
        await db.DraftRecipients.Where(r => r.MessageId == message.Id).ExecuteDeleteAsync(ct);

        if (message.Status == MessageStatus.Draft)
        {
            db.DraftRecipients.AddRange(recipients.ContactIds.Select(id => new DraftRecipient { MessageId = message.Id, ContactId = id }));
            Log(db, sender, ActivityActions.DraftSaved, message.Id, $"Draft \"{message.Title}\"", now);
            await db.SaveChangesAsync(ct);
            return new ComposeOutcome(message.Id, message.Status, 0, 0, new Dictionary<string, string[]>());
        }

        var count = await recipients.CountAsync(db, ct);
        if (count == 0)
            throw new NoRecipientsException();
        if (model.When == SendTiming.Campaign)
            return await CreateCampaignAsync(db, model, message, recipients, count, sender, now, ct);
        var batches = options.Value.BatchSizes(count).Select((size, i) => new MessageBatch
        {
            MessageId = message.Id,
            Number = i + 1,
            AttemptNumber = 1,
            RecipientCount = size,
            Status = BatchStatus.Pending,
            DueAt = message.ScheduledAt,
            CreatedAt = now,
        }).ToList();
        db.Batches.AddRange(batches);
        await db.SaveChangesAsync(ct);

        var written = await recipients.InsertDeliveriesAsync(db, message.Id, attempt: 1, firstBatchNumber: 1, options.Value.BatchSize, now, ct);
        if (written != count)
            throw new DbUpdateConcurrencyException(
                $"The audience changed while the send was being created ({count} counted, {written} written); nothing was saved.");
        message.TotalRecipients = count;
        message.BatchCount = batches.Count;
        Log(db, sender, message.Status == MessageStatus.Scheduled ? ActivityActions.MessageScheduled : ActivityActions.MessageSent,
            message.Id, string.Create(CultureInfo.InvariantCulture, $"\"{message.Title}\" to {count:N0} recipients in {batches.Count} batches"),
            now);
        await db.SaveChangesAsync(ct);
        return new ComposeOutcome(message.Id, message.Status, count, batches.Count, new Dictionary<string, string[]>());
    }

    /// <summary>
    /// A campaign: every recipient's delivery now, with no batch; its days cut them into batches. The message stays
    /// Scheduled until the first day is cut.
    /// </summary>
    private static async Task<ComposeOutcome> CreateCampaignAsync(AppDbContext db, ComposeModel model, Message message, Recipients recipients,
        int count, Actor sender, DateTime now, CancellationToken cancellationToken)
    {
        var written = await recipients.InsertUnbatchedDeliveriesAsync(db, message.Id, now, cancellationToken);
        if (written != count)
            throw new DbUpdateConcurrencyException(
                $"The audience changed while the campaign was being created ({count} counted, {written} written); nothing was saved.");
        var start = model.ScheduledAt ?? now;
        var campaign = new Campaign
        {
            MessageId = message.Id,
            DailyLimit = model.DailyLimit!.Value,
            Status = CampaignStatus.Active,
            StartAt = start,
            NextBatchAt = start,
            CreatedAt = now,
        };
        db.Campaigns.Add(campaign);
        message.TotalRecipients = count;
        await db.SaveChangesAsync(cancellationToken);
        db.Activity.Add(ActivityLog.Entry(sender, ActivityActions.CampaignCreated, now, nameof(Campaign),
            campaign.Id.ToString(CultureInfo.InvariantCulture),
            string.Create(CultureInfo.InvariantCulture,
                $"\"{message.Title}\" (message {message.Id}) to {count:N0} recipients, " +
                $"{campaign.DailyLimit:N0} a day from {start:yyyy-MM-dd HH:mm} UTC")));
        await db.SaveChangesAsync(cancellationToken);
        return new ComposeOutcome(message.Id, message.Status, count, 0, new Dictionary<string, string[]>(), campaign.Id);
    }

    /// <summary>
    /// Takes a scheduled send back to a draft before its time (to edit it on the compose page): its deliveries and
    /// batches are removed, a selection's contacts are kept as the draft's. Refused once the send has started.
    /// </summary>
    public async Task<bool> UnscheduleAsync(int messageId, Actor sender, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var done = await dbs.InTransactionAsync(async (db, ct) =>
        {
            if (await db.Messages.Where(m => m.Id == messageId && m.Status == MessageStatus.Scheduled && m.ScheduledAt > now)
                    .Where(m => !db.Campaigns.Any(c => c.MessageId == m.Id))
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MessageStatus.Draft).SetProperty(m => m.TotalRecipients, 0)
                        .SetProperty(m => m.BatchCount, 0), ct) == 0)
                return false;
            var message = await db.Messages.AsNoTracking().SingleAsync(m => m.Id == messageId, ct);
            if (message.Audience == AudienceKind.Selection)
            {
                var contactIds = await db.Deliveries.Where(d => d.MessageId == messageId && d.ContactId != null)
                    .Select(d => d.ContactId!.Value).Distinct().ToListAsync(ct);
                db.DraftRecipients.AddRange(contactIds.Select(id => new DraftRecipient { MessageId = messageId, ContactId = id }));
            }
            await db.Deliveries.Where(d => d.MessageId == messageId).ExecuteDeleteAsync(ct);
            await db.Batches.Where(b => b.MessageId == messageId).ExecuteDeleteAsync(ct);
            Log(db, sender, ActivityActions.MessageUnscheduled, messageId, $"\"{message.Title}\" back to a draft", now);
            await db.SaveChangesAsync(ct);
            return true;
        }, cancellationToken, IsolationLevel.Serializable);
        if (done)
            progress.MessageChanged(messageId);
        return done;
    }

    /// <summary>
    /// Cancels a scheduled or running send: pending deliveries and batches become Cancelled at once; running batches
    /// notice within <see cref="DispatchOptions.ProgressEvery"/> recipients and stop. This process's calls on their way
    /// that have not left are not made (<see cref="SendCancellations"/>), another instance's from its next chunk on.
    /// </summary>
    public async Task<CancelOutcome> CancelAsync(int messageId, Actor sender, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var outcome = await dbs.InTransactionAsync(async (db, ct) =>
        {
            var cancelled = await db.Messages
                .Where(m => m.Id == messageId && (m.Status == MessageStatus.Sending || m.Status == MessageStatus.Scheduled))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MessageStatus.Cancelled), ct);
            if (cancelled == 0)
                return await db.Messages.AnyAsync(m => m.Id == messageId, ct) ? CancelOutcome.NotCancellable : CancelOutcome.NotFound;
            await db.Deliveries.Where(d => d.MessageId == messageId && d.Status == DeliveryStatus.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Cancelled), ct);
            await db.Batches.Where(b => b.MessageId == messageId && b.Status == BatchStatus.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BatchStatus.Cancelled).SetProperty(b => b.CompletedAt, now), ct);
            Log(db, sender, ActivityActions.MessageCancelled, messageId, null, now);
            await db.SaveChangesAsync(ct);
            return CancelOutcome.Cancelled;
        }, cancellationToken);

        if (outcome != CancelOutcome.Cancelled)
            return outcome;
        cancellations.Cancelled(messageId); // this process's calls on their way are not made
        progress.MessageChanged(messageId);
        await completion.CompleteIfDoneAsync(messageId, cancellationToken);
        return outcome;
    }

    /// <summary>Enqueues the message's pending batches that are due.</summary>
    private async Task EnqueueDueBatchesAsync(int messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.Batches
            .Where(b => b.MessageId == messageId && b.Status == BatchStatus.Pending && (b.DueAt == null || b.DueAt <= now))
            .OrderBy(b => b.Number).Select(b => b.Id).ToListAsync(cancellationToken);
        await queue.EnqueueAsync(due, cancellationToken);
    }

    /// <summary>The server's own check of a hand-picked selection: every id exists, is on the channel, and has not opted out.</summary>
    private async Task<string?> CheckSelectionAsync(Recipients recipients, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var ids = recipients.ContactIds;
        var found = await db.Contacts.Where(c => ids.Contains(c.Id))
            .Select(c => new { c.Channel, c.OptedOut }).ToListAsync(cancellationToken);
        var problems = new List<string>();
        if (ids.Count - found.Count is > 0 and var missing)
            problems.Add(Text.Count(missing, "selected contact does not exist", "selected contacts do not exist"));
        if (found.Count(c => c.OptedOut) is > 0 and var optedOut)
            problems.Add(Text.Count(optedOut, "selected contact has opted out", "selected contacts have opted out"));
        if (found.Count(c => !c.OptedOut && c.Channel != recipients.Channel) is > 0 and var elsewhere)
            problems.Add(Text.Count(elsewhere, $"selected contact is not a {recipients.Channel} contact",
                $"selected contacts are not {recipients.Channel} contacts"));
        return problems.Count == 0 ? null : string.Join("; ", problems) + ". Remove them from the selection and try again.";
    }

    /// <summary>
    /// The form onto the message; a WhatsApp template's parameters are matched to <paramref name="template"/>'s, its
    /// body is the content when none was written.
    /// </summary>
    private static void Apply(ComposeModel model, Message message, RetrySettings retry, DateTime now, TemplateView? template)
    {
        message.Title = model.Title.Trim();
        message.Content = model.Content;
        message.WhatsAppTemplate = model.Channel == Channels.ChannelKind.WhatsApp && model.WhatsAppTemplate is { } choice
            ? TemplateChoice.From(choice, template?.Slots)
            : null;
        if (message.WhatsAppTemplate is { } chosen && string.IsNullOrEmpty(message.Content))
            message.Content = template?.BodyText ?? $"WhatsApp template {chosen.Name} ({chosen.Language})";
        message.Channel = model.Channel;
        message.AttachmentId = model.AttachmentId;
        message.MessageTag = string.IsNullOrWhiteSpace(model.MessageTag) ? null : model.MessageTag;
        message.Audience = model.Audience;
        message.AudienceTag = model.Audience == AudienceKind.Tag ? model.AudienceTag : null;
        message.RetryPolicy = model.RetryPolicy ?? retry.Policy;
        message.MaxAttempts = model.MaxAttempts ?? retry.MaxAttempts;
        message.Status = model.When switch
        {
            SendTiming.Draft => MessageStatus.Draft,
            SendTiming.At or SendTiming.Campaign => MessageStatus.Scheduled,
            _ => MessageStatus.Sending,
        };
        message.ScheduledAt = model.When is SendTiming.At or SendTiming.Draft ? model.ScheduledAt : null; // A campaign's start is the campaign's.
        message.StartedAt = message.Status == MessageStatus.Sending ? now : null;
    }

    private static void Log(AppDbContext db, Actor sender, string action, int messageId, string? details, DateTime now) =>
        db.Activity.Add(ActivityLog.Entry(sender, action, now, nameof(Message),
            messageId.ToString(CultureInfo.InvariantCulture), details));

    /// <summary>Rolls the transaction back when the audience turns out to be empty.</summary>
    private sealed class NoRecipientsException : Exception;
}
