using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Errors;
using BulkSender.Core.Channels.Messenger;
using BulkSender.Core.Channels.WhatsApp;
using BulkSender.Core.Compliance;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Retries;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Funnel;

/// <summary>What closing a conversation did.</summary>
public enum CloseOutcome
{
    Closed,
    AlreadyClosed,

    /// <summary>No delivery of that message the provider accepted has this id.</summary>
    NotFound,

    /// <summary>The recipient has not replied: there is no conversation to close.</summary>
    NotReplied,
}

/// <summary>What one inbound message did: the delivery it marked Replied, and whether it opted the contact out.</summary>
public sealed record InboundOutcome(long? RepliedDeliveryId, bool Replied, bool OptedOut);

/// <summary>
/// Moves deliveries along Sent → Delivered → Read → Replied from provider events (webhooks, polling, the simulated
/// channel), set-based. The rules make the end state the same whatever the order or repetition of events:
/// <list type="bullet">
/// <item>Only deliveries the provider accepted (with a provider message id) move.</item>
/// <item>Each stage keeps the earliest time reported for it; a stage implies the ones before it (Read sets Delivered,
/// Replied sets Read and Delivered, each to that time unless an earlier one is known). Nothing moves backwards.</item>
/// <item>A failed status fails a Sent delivery only while nothing showed it arrived; a Delivered, Read or Replied
/// event wins over a failure in either order (the failed delivery is Sent again, its error cleared).</item>
/// <item>The message's SentCount/FailedCount follow each Sent ⇄ Failed change.</item>
/// </list>
/// Every change is reported to <see cref="IDispatchProgress.FunnelChanged"/> so open message pages follow it.
/// </summary>
public sealed class DeliveryStatusUpdater(IDbContextFactory<AppDbContext> dbs, OptOuts optOuts, ErrorActions actions, IDispatchProgress progress)
{
    private enum Stage { Delivered, Read, Replied }

    public Task<int> MarkDeliveredAsync(ChannelKind channel, string providerMessageId, DateTime at, CancellationToken cancellationToken) =>
        AdvanceAsync(db => ByProviderId(db, channel, providerMessageId), Stage.Delivered, at, cancellationToken);

    public Task<int> MarkReadAsync(ChannelKind channel, string providerMessageId, DateTime at, CancellationToken cancellationToken) =>
        AdvanceAsync(db => ByProviderId(db, channel, providerMessageId), Stage.Read, at, cancellationToken);

    /// <summary>Several delivered events (provider message id and time) in one transaction.</summary>
    public Task<int> MarkDeliveredAsync(ChannelKind channel, IReadOnlyCollection<(string ProviderMessageId, DateTime At)> events,
        CancellationToken cancellationToken) =>
        AdvanceAsync(Events(channel, events), Stage.Delivered, cancellationToken);

    /// <summary>Several read events (provider message id and time) in one transaction.</summary>
    public Task<int> MarkReadAsync(ChannelKind channel, IReadOnlyCollection<(string ProviderMessageId, DateTime At)> events,
        CancellationToken cancellationToken) =>
        AdvanceAsync(Events(channel, events), Stage.Read, cancellationToken);

    private static List<(Func<AppDbContext, IQueryable<Delivery>>, DateTime)> Events(ChannelKind channel,
        IReadOnlyCollection<(string ProviderMessageId, DateTime At)> events) =>
        events.Select(e => ((Func<AppDbContext, IQueryable<Delivery>>)(db => ByProviderId(db, channel, e.ProviderMessageId)), e.At)).ToList();

    /// <summary>
    /// Messenger's delivery watermark: everything sent to the recipient at or before it, and the listed message ids, is delivered.
    /// </summary>
    public Task<int> MarkDeliveredUpToAsync(ChannelKind channel, string recipientAddress, DateTime watermark,
        IReadOnlyCollection<string> providerMessageIds, DateTime at, CancellationToken cancellationToken) =>
        AdvanceAsync(db => Accepted(db, channel).Where(d => d.RecipientAddress == recipientAddress
            && (d.SentAt <= watermark || providerMessageIds.Contains(d.ProviderMessageId!))), Stage.Delivered, at, cancellationToken);

    /// <summary>Messenger's read watermark: everything sent to the recipient at or before it is read.</summary>
    public Task<int> MarkReadUpToAsync(ChannelKind channel, string recipientAddress, DateTime watermark, DateTime at,
        CancellationToken cancellationToken) =>
        AdvanceAsync(db => Accepted(db, channel).Where(d => d.RecipientAddress == recipientAddress && d.SentAt <= watermark),
            Stage.Read, at, cancellationToken);

    /// <summary>A provider's failed status for a message it had accepted; ignored once the message showed it arrived.</summary>
    public async Task<int> MarkFailedAsync(ChannelKind channel, string providerMessageId, ErrorType type, string code, string message,
        DateTime at, CancellationToken cancellationToken, DateTime? retryNotBefore = null)
    {
        code = code.Length > 64 ? code[..64] : code;
        message = GraphApi.Truncate(message);
        var (changed, perMessage) = await dbs.InTransactionAsync(async (db, ct) =>
        {
            var target = ByProviderId(db, channel, providerMessageId)
                .Where(d => d.Status == DeliveryStatus.Sent && d.DeliveredAt == null && d.ReadAt == null && d.RepliedAt == null);
            var perMessage = await CountPerMessageAsync(target, ct);
            var changed = await target.ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, DeliveryStatus.Failed)
                .SetProperty(d => d.FailedAt, at)
                .SetProperty(d => d.ErrorType, type)
                .SetProperty(d => d.ErrorCode, code)
                .SetProperty(d => d.ErrorMessage, message)
                .SetProperty(d => d.RetryNotBefore, retryNotBefore), ct);
            await AdjustCountsAsync(db, perMessage, toSent: false, ct);
            return (changed, perMessage);
        }, cancellationToken);
        Report(perMessage.Keys);
        return changed;
    }

    /// <summary>
    /// A status in the Cloud API's shape (webhook or polling). A failure's error code is classified by the channel's
    /// table, and its rule acts as it does on a send's answer: retry not before a time (131049), suppress the contact
    /// (131050), pause the channel (131048, 190); the failed delivery itself stays failed, retryable by its type.
    /// </summary>
    public async Task<int> ApplyAsync(ChannelKind channel, ProviderStatus status, CancellationToken cancellationToken)
    {
        switch (status.Kind)
        {
            case ProviderStatusKind.Delivered:
                return await MarkDeliveredAsync(channel, status.ProviderMessageId, status.At, cancellationToken);
            case ProviderStatusKind.Read:
                return await MarkReadAsync(channel, status.ProviderMessageId, status.At, cancellationToken);
            case ProviderStatusKind.Failed:
                var error = status.Error;
                var rule = error is null ? null : channel == ChannelKind.WhatsApp ? WhatsAppChannel.Classify(error)
                    : MessengerChannel.Classify(error);
                var text = error is null ? "The provider reported the message as failed." : rule?.Reason is { } reason
                    ? $"{reason}: {error.Describe()}" : error.Describe();
                var code = error?.CodeText ?? "failed";
                var failed = await MarkFailedAsync(channel, status.ProviderMessageId, rule?.Type ?? ErrorType.Other, code, text,
                    status.At, cancellationToken, rule?.RetryAfter is { } wait ? status.At + wait : null);
                if (failed > 0 && rule is { Action: ErrorAction.PauseChannel or ErrorAction.SuppressContact })
                    foreach (var address in await AddressesAsync(channel, status.ProviderMessageId, cancellationToken))
                        await actions.ApplyAsync(channel, rule.Action, code, text, address, cancellationToken);
                return failed;
            default:
                // "sent" confirms what the send already recorded.
                return 0;
        }
    }

    private async Task<List<string>> AddressesAsync(ChannelKind channel, string providerMessageId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await ByProviderId(db, channel, providerMessageId).Select(d => d.RecipientAddress).Distinct().ToListAsync(cancellationToken);
    }

    /// <summary>
    /// A message from the contact: keeps its last inbound time (Messenger's 24-hour window), marks the latest delivery
    /// sent to it before then Replied, and opts the contact out on "STOP".
    /// </summary>
    public async Task<InboundOutcome> RecordInboundAsync(ChannelKind channel, string address, string? text, DateTime at,
        CancellationToken cancellationToken)
    {
        long? latest;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            await db.Contacts.Where(c => c.Channel == channel && c.Address == address && (c.LastInboundAt == null || c.LastInboundAt < at))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastInboundAt, at).SetProperty(c => c.Version, c => c.Version + 1), cancellationToken);
            latest = await Accepted(db, channel).Where(d => d.RecipientAddress == address && d.SentAt <= at)
                .OrderByDescending(d => d.SentAt).ThenByDescending(d => d.Id).Select(d => (long?)d.Id).FirstOrDefaultAsync(cancellationToken);
        }
        var replied = latest is { } id && await AdvanceAsync(db => db.Deliveries.Where(d => d.Id == id), Stage.Replied, at, cancellationToken) > 0;
        var optedOut = OptOuts.IsStop(text) && await optOuts.OptOutAsync(channel, address, $"\"{text!.Trim()}\" on {channel}", cancellationToken);
        return new InboundOutcome(latest, replied, optedOut);
    }

    /// <summary>
    /// An operator closed the conversation of a delivery of this message (one the provider accepted). Only a
    /// recipient who replied has a conversation: anything else is <see cref="CloseOutcome.NotReplied"/>, so Closed
    /// never outgrows Replied in the funnel.
    /// </summary>
    public async Task<CloseOutcome> CloseAsync(int messageId, long deliveryId, Actor actor, DateTime at, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var delivery = await db.Deliveries.Where(d => d.Id == deliveryId && d.MessageId == messageId && d.Status == DeliveryStatus.Sent)
            .Select(d => new { d.RecipientAddress, d.RepliedAt }).SingleOrDefaultAsync(cancellationToken);
        if (delivery is null)
            return CloseOutcome.NotFound;
        if (delivery.RepliedAt is null)
            return CloseOutcome.NotReplied;
        if (!await MarkClosedAsync(deliveryId, at, cancellationToken))
            return CloseOutcome.AlreadyClosed;
        db.Activity.Add(ActivityLog.Entry(actor, ActivityActions.ConversationClosed, at, "Message",
            messageId.ToString(System.Globalization.CultureInfo.InvariantCulture), $"Conversation with {delivery.RecipientAddress} closed"));
        await db.SaveChangesAsync(cancellationToken);
        return CloseOutcome.Closed;
    }

    /// <summary>
    /// Closes the conversation of this delivery if the recipient replied; the first close counts. The condition is in
    /// the UPDATE's WHERE clause, so no caller can close a conversation that has no reply.
    /// </summary>
    public async Task<bool> MarkClosedAsync(long deliveryId, DateTime at, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var messageId = await db.Deliveries.Where(d => d.Id == deliveryId).Select(d => (int?)d.MessageId).SingleOrDefaultAsync(cancellationToken);
        var closed = await db.Deliveries.Where(d => d.Id == deliveryId && d.ClosedAt == null && d.RepliedAt != null)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.ClosedAt, at), cancellationToken) == 1;
        if (closed)
            Report([messageId!.Value]);
        return closed;
    }

    private void Report(IEnumerable<int> messageIds)
    {
        foreach (var messageId in messageIds)
            progress.FunnelChanged(messageId);
    }

    private static IQueryable<Delivery> Accepted(AppDbContext db, ChannelKind channel) =>
        db.Deliveries.Where(d => d.ProviderMessageId != null
            && (d.Status == DeliveryStatus.Sent || d.Status == DeliveryStatus.Failed)
            && db.Messages.Any(m => m.Id == d.MessageId && m.Channel == channel));

    private static IQueryable<Delivery> ByProviderId(AppDbContext db, ChannelKind channel, string providerMessageId) =>
        Accepted(db, channel).Where(d => d.ProviderMessageId == providerMessageId);

    private Task<int> AdvanceAsync(Func<AppDbContext, IQueryable<Delivery>> which, Stage stage, DateTime at, CancellationToken cancellationToken) =>
        AdvanceAsync([(which, at)], stage, cancellationToken);

    /// <summary>Several events of one stage in one transaction (one write lock for a whole pass of the simulated provider).</summary>
    private async Task<int> AdvanceAsync(IReadOnlyCollection<(Func<AppDbContext, IQueryable<Delivery>> Which, DateTime At)> events,
        Stage stage, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var targets = events.Select(e => Target(db, e.Which, stage, e.At)).ToList();
        // Nothing to move (a repeated event): no transaction, so no write lock taken for nothing.
        var messageIds = new HashSet<int>();
        foreach (var target in targets)
            messageIds.UnionWith(await target.Select(d => d.MessageId).Distinct().ToListAsync(cancellationToken));
        if (messageIds.Count == 0)
            return 0;

        var changed = await db.InTransactionAsync(async ct =>
        {
            var moved = 0;
            foreach (var (target, (_, at)) in targets.Zip(events))
            {
                DateTime? time = at;
                // Arrived after all: a failure reported for it no longer stands.
                var revived = target.Where(d => d.Status == DeliveryStatus.Failed);
                var perMessage = await CountPerMessageAsync(revived, ct);
                if (perMessage.Count > 0)
                {
                    await revived.ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.Status, DeliveryStatus.Sent)
                        .SetProperty(d => d.FailedAt, (DateTime?)null)
                        .SetProperty(d => d.ErrorType, (ErrorType?)null)
                        .SetProperty(d => d.ErrorCode, (string?)null)
                        .SetProperty(d => d.ErrorMessage, (string?)null), ct);
                    await AdjustCountsAsync(db, perMessage, toSent: true, ct);
                }

                moved += stage switch
                {
                    Stage.Delivered => await target.ExecuteUpdateAsync(s => s.SetProperty(d => d.DeliveredAt, time), ct),
                    Stage.Read => await target.ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.ReadAt, time)
                        .SetProperty(d => d.DeliveredAt, d => d.DeliveredAt == null || d.DeliveredAt > time ? time : d.DeliveredAt), ct),
                    _ => await target.ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.RepliedAt, time)
                        .SetProperty(d => d.ReadAt, d => d.ReadAt == null || d.ReadAt > time ? time : d.ReadAt)
                        .SetProperty(d => d.DeliveredAt, d => d.DeliveredAt == null || d.DeliveredAt > time ? time : d.DeliveredAt), ct),
                };
            }
            return moved;
        }, cancellationToken);
        Report(messageIds);
        return changed;
    }

    /// <summary>The deliveries an event at <paramref name="at"/> moves: those that do not show the stage at that time or earlier.</summary>
    private static IQueryable<Delivery> Target(AppDbContext db, Func<AppDbContext, IQueryable<Delivery>> which, Stage stage, DateTime at)
    {
        DateTime? time = at;
        return stage switch
        {
            Stage.Delivered => which(db).Where(d => d.DeliveredAt == null || d.DeliveredAt > time),
            Stage.Read => which(db).Where(d => d.ReadAt == null || d.ReadAt > time),
            _ => which(db).Where(d => d.RepliedAt == null || d.RepliedAt > time),
        };
    }

    private static async Task<Dictionary<int, int>> CountPerMessageAsync(IQueryable<Delivery> deliveries, CancellationToken cancellationToken) =>
        await deliveries.GroupBy(d => d.MessageId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key,
            g => g.Count, cancellationToken);

    private static async Task AdjustCountsAsync(AppDbContext db, Dictionary<int, int> perMessage, bool toSent, CancellationToken cancellationToken)
    {
        foreach (var (messageId, count) in perMessage)
        {
            var delta = toSent ? count : -count;
            await db.Messages.Where(m => m.Id == messageId)
                .ExecuteUpdateAsync(new RecipientCounts(Sent: delta, Failed: -delta).AddTo, cancellationToken);
        }
    }
}
