using BulkSender.Core.Attachments;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Errors;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Channels.WhatsApp;
using BulkSender.Core.Compliance;
using BulkSender.Core.Contacts;
using BulkSender.Core.Data;
using BulkSender.Core.Personalization;
using BulkSender.Core.Retries;
using BulkSender.Core.Templates;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Dispatch;

/// <summary>
/// Sends one batch. Safe to run twice, or on two workers or processes at once: it claims the batch with a
/// conditional update and does nothing when the claim fails. Hangfire does not retry it: the database is the truth,
/// and reconciliation enqueues again whatever did not finish.
/// </summary>
/// <remarks>
/// The algorithm (each database step is a <see cref="BatchTransitions"/> method, guarded in its WHERE clause):
/// <list type="number">
/// <item>Claim the batch; read its content and its Pending recipients (with the contacts' last inbound times, in the
/// same query), in chunks of <see cref="DispatchOptions.ProgressEvery"/>. Deliveries a dead worker left in Sending go
/// again. A heartbeat runs beside the send while it waits (for its turn, the rate limiter or a slow provider). A batch
/// of a rate-limited channel waits for its turn (<see cref="HandOverTurns"/>: a few batches hand over at once, the
/// next takes over while they wait for their last answers) before it marks anything Sending.</item>
/// <item>Mark the chunk Sending in one conditional update, which is also the check for cancellation, for a lost claim
/// and for opt-outs. A chunk not fully marked is resolved: stop (cancelled, or the batch was taken back), or skip
/// the contacts who opted out since the send was created.</item>
/// <item>Pass each recipient through the <see cref="RecipientGate"/> and hand it to the channel without waiting for
/// the answer: the gate first takes one of the channel's in-flight slots (<see cref="InFlightLimiter"/>, shared by all
/// batches of the channel in this process: as many as rate × observed latency needs, up to
/// <see cref="ChannelsOptions.MaxInFlight"/>), so the chunk's recipients, and the next chunks', are at the provider
/// together. A contact of this process who opts out while its chunk is in flight raises <see cref="OptOutSignal"/>:
/// the chunk's opted-out flags are read again before the next recipient goes, so nobody gets a message after opting
/// out (another instance's opt-out counts from the next chunk). Messenger recipients outside the 24-hour window fail as
/// permission ("outside the 24-hour messaging window") without reaching the provider (bulk sends carry no message
/// tag). A channel with a daily limit (e-mail) is sent to while the day's allowance lasts (<see cref="DailySendQuota"/>),
/// WhatsApp templates to contacts outside the window while the messaging limit has room
/// (<see cref="WhatsAppMessagingLimit"/>); then the batch is held. Both counts are in the database, shared by every
/// instance; the daily allowance's units this process reserved and did not use go back when the run ends. Then the
/// shared rate limiter gives the slot.</item>
/// <item>Once the chunk is handed over, record every outcome answered so far, with the counters and the heartbeat, in
/// the same transaction that marks the next chunk; report progress; go on with step 3. So a batch has in Sending at
/// most its sends in flight at its last write plus one chunk. After the last chunk (or a stop), the answers still to
/// come are recorded as they arrive, every ProgressEvery.</item>
/// <item>End: Completed (or Cancelled, with its Pending deliveries), then the send is completed if this was its last
/// batch. Once this process knows the send was cancelled (<see cref="SendCancellations"/>: cancelled here, or found
/// when marking a chunk or by the heartbeat), its recipients' calls that have not left are not made, those waiting out a provider's
/// Retry-After for their slot included, and the rest of the chunk stops at the gate (it takes no rate slot and none of
/// the day's allowance): they end Cancelled with the rest. A held batch goes back to Pending, due at
/// the next UTC day (the messaging limit: when room returns), where reconciliation enqueues it again: its unsent
/// recipients stay Pending, nothing fails and no attempt is used up. At shutdown the sends in flight are stopped and
/// the batch goes back to Pending at once. A paused channel
/// (<see cref="ChannelPauses"/>: the gate says so, the channel's answer was a pausing error, or the pause came while a
/// call was on its way, which is then not made) sends the batch back to Pending with its unsent recipients, those
/// whose answer was the pausing error included, the last recipient's too: nothing fails, no attempt is used, and no
/// batch of that channel is claimed until an admin resumes it. A batch that broke waits for its sends in flight, then
/// fails its unsent deliveries.</item>
/// </list>
/// </remarks>
[AutomaticRetry(Attempts = 0)]
public sealed class SendBatchJob(
    IDbContextFactory<AppDbContext> dbs,
    ChannelAdapters channels,
    ChannelRateLimiter limiter,
    InFlightLimiter inFlight,
    HandOverTurns turns,
    DailySendQuota quota,
    WhatsAppMessagingLimit messagingLimit,
    OptOutSignal optOuts,
    IDispatchProgress progress,
    SendCompletion completion,
    ChannelPauses pauses,
    ContactFieldDefinitions fieldDefinitions,
    IOptions<DispatchOptions> options,
    TimeProvider clock,
    ILogger<SendBatchJob> log,
    AttachmentStore attachments,
    SendCancellations cancellations)
{
    [JobDisplayName("Send batch {0}")]
    public async Task RunAsync(int batchId, CancellationToken cancellationToken)
    {
        var worker = BatchClaimer.NewRun();
        await using var run = await BatchTransitions.ClaimAsync(dbs, clock, batchId, worker, cancellationToken);
        if (run is null)
        {
            log.LogDebug("Batch {BatchId} is not pending (done, cancelled, not due or claimed elsewhere): nothing to do", batchId);
            return;
        }

        progress.BatchChanged(run.Snapshot);
        using var beating = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = run.BeatEveryAsync(options.Value.HeartbeatInterval, () => cancellations.Cancelled(run.Batch.MessageId), log,
            beating.Token);
        var (stop, failure) = (BatchStop.None, (Exception?)null);
        try
        {
            stop = await SendAsync(run, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stop = BatchStop.Shutdown;
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            await beating.CancelAsync();
            await heartbeat;
        }
        await EndAsync(run, stop, failure);
    }

    private async Task<BatchStop> SendAsync(BatchTransitions run, CancellationToken cancellationToken)
    {
        var content = await run.ContentAsync(cancellationToken);
        var channel = await channels.ForAsync(content.Channel, cancellationToken);
        var limits = new GateLimits(await quota.LimitAsync(content.Channel, cancellationToken),
            content.Channel == ChannelKind.WhatsApp ? await messagingLimit.LimitAsync(cancellationToken) : null);
        var gate = new RecipientGate(optOuts, quota, messagingLimit, limiter, inFlight, clock, run, content, limits, pauses,
            () => cancellations.IsKnownCancelled(run.Batch.MessageId));
        var attachment = await attachments.OutgoingAsync(content.AttachmentId, cancellationToken); // the message's, so retries reuse it
        var chunks = await run.RecipientsAsync(cancellationToken);
        if (chunks.Count == 0)
            return BatchStop.None;
        // Personalization: the texts parsed once for the batch, the custom values of all its contacts in one query.
        var renderer = new MessageRenderer(content.Title, content.Text, content.Channel, content.Template,
            await fieldDefinitions.FieldSetAsync(cancellationToken));
        var values = renderer.UsesCustomFields
            ? await run.FieldValuesAsync(chunks.SelectMany(c => c).Select(r => r.ContactId).OfType<int>().ToList(), cancellationToken)
            : null;
        var personal = new Personal(renderer, values);

        using var sends = new SendsInFlight();
        var turn = await turns.TakeAsync(content.Channel, cancellationToken); // nothing is Sending while the batch waits
        try
        {
            gate.Watch();
            var marked = await run.MarkFirstAsync(chunks[0], cancellationToken);
            for (var i = 0; ; i++)
            {
                var (sending, stop) = marked == chunks[i].Length
                    ? (chunks[i], BatchStop.None)
                    : await run.ResolveAsync(chunks[i], cancellationToken);
                if (stop == BatchStop.Cancelled)
                    cancellations.Cancelled(run.Batch.MessageId); // the calls still on their way are not made
                if (stop == BatchStop.None)
                    stop = await HandOverAsync(run, channel, content, personal, attachment, gate, sending, sends, cancellationToken);
                if (stop != BatchStop.None || i + 1 == chunks.Count)
                {
                    turn.Dispose(); // the next batch hands over while this one's last answers come
                    await RecordAsAnsweredAsync(run, sends);
                    return Settled(stop, sends.SomeNotSent, run.Batch.MessageId, cancellationToken);
                }
                gate.Watch();
                marked = await run.RecordAsync(sends.Take(), chunks[i + 1]);
                progress.Progressed(run.Snapshot);
            }
        }
        finally
        {
            turn.Dispose();
            await sends.AllEndedAsync(); // a run that broke lets its sends end before their deliveries are failed
            if (limits.Daily is not null)
                await quota.ReturnUnusedAsync(content.Channel, CancellationToken.None);
        }
    }

    /// <summary>
    /// How the run ends. Sends not made after the last hand-over (<paramref name="someNotSent"/>): a shutdown, the send
    /// cancelled, or the channel paused. A send known to be cancelled ends its batch Cancelled, not back to Pending to wait
    /// for a resume or the next day (it would then end only at the next reconciliation).
    /// </summary>
    private BatchStop Settled(BatchStop stop, bool someNotSent, int messageId, CancellationToken cancellationToken)
    {
        if (stop == BatchStop.None && !someNotSent)
            return stop;
        if (cancellationToken.IsCancellationRequested && (stop is BatchStop.None or BatchStop.Shutdown))
            return BatchStop.Shutdown;
        if ((stop is BatchStop.None or BatchStop.ChannelPaused or BatchStop.DailyLimit or BatchStop.MessagingLimit)
            && cancellations.IsKnownCancelled(messageId))
            return BatchStop.Cancelled;
        return stop == BatchStop.None ? BatchStop.ChannelPaused : stop;
    }

    /// <summary>
    /// Each recipient of a marked chunk through the gate, then handed to the channel without waiting for the answer;
    /// stops at a held batch or at shutdown, leaving the rest unsent.
    /// </summary>
    private async Task<BatchStop> HandOverAsync(BatchTransitions run, IChannel channel, BatchContent content, Personal personal,
        OutgoingAttachment? attachment, RecipientGate gate, IReadOnlyList<BatchRecipient> sending, SendsInFlight sends,
        CancellationToken cancellationToken)
    {
        for (var i = 0; i < sending.Count; i++)
        {
            var recipient = sending[i];
            var rendered = personal.Render(recipient, content.Channel);
            GateVerdict verdict;
            try
            {
                verdict = await gate.PassAsync(recipient, sending, rendered.Problem, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                sends.Unsent(sending.Skip(i));
                return BatchStop.Shutdown;
            }
            switch (verdict.Is)
            {
                case GateVerdict.Kind.SkipOptedOut:
                    sends.Skipped(recipient);
                    break;
                case GateVerdict.Kind.Refuse:
                    sends.Answered(recipient, verdict.Refusal!);
                    break;
                case GateVerdict.Kind.Hold:
                    sends.Unsent(sending.Skip(i));
                    return BatchStop.DailyLimit;
                case GateVerdict.Kind.HoldForMessagingLimit:
                    sends.Unsent(sending.Skip(i));
                    return BatchStop.MessagingLimit;
                case GateVerdict.Kind.Paused:
                    sends.Unsent(sending.Skip(i));
                    return BatchStop.ChannelPaused;
                case GateVerdict.Kind.Cancelled:
                    sends.Unsent(sending.Skip(i));
                    return BatchStop.Cancelled;
                default:
                    var handed = verdict.BusinessInitiated ? recipient with { BusinessInitiated = true } : recipient;
                    sends.Add(handed, SendOneAsync(channel, run.Batch.MessageId, recipient, content, rendered, attachment, verdict,
                        cancellationToken));
                    break;
            }
        }
        return BatchStop.None;
    }

    /// <summary>After the last hand-over: the answers still to come are written as they arrive, every ProgressEvery.</summary>
    private async Task RecordAsAnsweredAsync(BatchTransitions run, SendsInFlight sends)
    {
        while (true)
        {
            await sends.WaitAsync(DispatchOptions.ProgressEvery);
            var outcome = sends.Take();
            if (outcome.IsEmpty)
                return;
            await run.RecordAsync(outcome, null);
            progress.Progressed(run.Snapshot);
        }
    }

    /// <summary>
    /// One call to the provider, holding one of the channel's in-flight slots until it answers. Null when the recipient
    /// was not sent: a shutdown stopped the call, the answer was a pausing error (the channel's, not the recipient's:
    /// it goes back to Pending with the rest, and the gate holds the next recipients), or the channel was paused before
    /// the call could leave (<see cref="ChannelPausedException"/>: it was not made; nor when the send was cancelled,
    /// <see cref="SendCancelledException"/>). A recipient whose first call was withheld gives back what it took of the
    /// channel's limits (the day's allowance, WhatsApp's messaging limit): it was not sent.
    /// </summary>
    /// <remarks>
    /// The first call goes in the gate's rate-limiter slot unless that passed on the way; a second provider call for the
    /// recipient (Messenger's text after its attachment) keeps the in-flight slot and waits for a rate-limiter slot of its
    /// own (<see cref="ProviderCallSlots"/>).
    /// </remarks>
    private async Task<ChannelResult?> SendOneAsync(IChannel channel, int messageId, BatchRecipient recipient, BatchContent content,
        RenderedMessage rendered, OutgoingAttachment? attachment, GateVerdict verdict, CancellationToken cancellationToken)
    {
        var callSlots = new ProviderCallSlots(limiter, verdict.Rate, pauses, () => cancellations.IsKnownCancelled(messageId));
        using (var slot = verdict.Slot!)
        {
            try
            {
                slot.Start();
                var result = await channel.SendAsync(new OutgoingMessage(recipient.DeliveryId, messageId, content.Channel, recipient.Address,
                    recipient.Name, recipient.AttemptNumber, rendered.Title, rendered.Content, content.MessageTag, rendered.Template)
                {
                    HtmlEncodedContentSource = rendered.HtmlEncodedSource,
                    Attachment = attachment,
                    CallSlots = callSlots,
                }, cancellationToken);
                return result.Action == ErrorAction.PauseChannel ? null : result;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            catch (CallWithheldException)
            {
                // Paused, or the send cancelled, while the call was on its way: not made.
                if (!callSlots.FirstCallLeft)
                    await GiveBackLimitsAsync(content.Channel, verdict.Taken, recipient.DeliveryId);
                return null;
            }
            catch (Exception ex)
            {
                log.LogWarning(ex, "The {Channel} adapter threw for delivery {DeliveryId}", content.Channel, recipient.DeliveryId);
                return ChannelResult.Failed(ErrorType.Other, "adapter_exception",
                    BatchTransitions.Truncate($"The adapter failed: {ex.Message}", 1000));
            }
        }
    }

    /// <summary>
    /// What a recipient not sent took of the channel's limits, back: its unit of the day's allowance, its contact in
    /// WhatsApp's messaging limit. When that fails it stays counted (the safe side).
    /// </summary>
    private async Task GiveBackLimitsAsync(ChannelKind channel, TakenLimits taken, long deliveryId)
    {
        try
        {
            if (taken.AllowanceDay is { } day)
                await quota.GiveBackAsync(channel, day, CancellationToken.None);
            if (taken.Contact is { } contact)
                await messagingLimit.GiveBackAsync(contact, CancellationToken.None);
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "The {Channel} limits taken by delivery {DeliveryId}, not sent, stay counted", channel, deliveryId);
        }
    }

    /// <summary>The error code of a recipient whose personalized text is over the channel's limit.</summary>
    public const string RenderFailedCode = "personalized_too_long";

    /// <summary>The batch's renderer and its contacts' custom values (null: no custom field is read).</summary>
    private sealed record Personal(MessageRenderer Renderer, IReadOnlyDictionary<int, Dictionary<string, string>>? Values)
    {
        private static readonly Dictionary<string, string> None = [];

        public RenderedMessage Render(BatchRecipient recipient, ChannelKind channel) =>
            Renderer.Render(new RecipientValues(recipient.Name, recipient.Address, channel,
                Values is not null && recipient.ContactId is { } id ? Values.GetValueOrDefault(id, None) : None));
    }

    /// <summary>The batch's end: failed, left to its new owner, back to Pending (shutdown, daily limit), or finished.</summary>
    private async Task EndAsync(BatchTransitions run, BatchStop stop, Exception? failure)
    {
        var batch = run.Batch;
        switch (failure, stop)
        {
            case (not null, _):
                log.LogError(failure, "Batch {BatchId} of message {MessageId} failed", batch.Id, batch.MessageId);
                await run.FailAsync(failure);
                break;
            case (_, BatchStop.LostClaim):
                log.LogWarning("Batch {BatchId} was taken back from this worker (no heartbeat for too long); its new owner finishes it", batch.Id);
                return;
            case (_, BatchStop.Shutdown):
                await run.ReleaseAsync(null);
                progress.BatchChanged(run.Snapshot);
                return;
            case (_, BatchStop.ChannelPaused):
                await run.ReleaseAsync(null);
                log.LogWarning("The channel is paused: batch {BatchId} of message {MessageId} waits until an admin resumes it",
                    batch.Id, batch.MessageId);
                progress.BatchChanged(run.Snapshot);
                return;
            case (_, BatchStop.DailyLimit or BatchStop.MessagingLimit):
                var (limit, resumeAt) = stop == BatchStop.DailyLimit
                    ? ("The channel's daily limit", quota.NextDay())
                    : ("WhatsApp's messaging limit", await messagingLimit.RoomAtAsync(CancellationToken.None));
                await run.ReleaseAsync(resumeAt);
                log.LogInformation("{Limit} is reached: batch {BatchId} of message {MessageId} goes on at {ResumeAt:u}",
                    limit, batch.Id, batch.MessageId, resumeAt);
                progress.BatchChanged(run.Snapshot);
                return;
            default:
                await run.FinishAsync(stop == BatchStop.Cancelled ? BatchStatus.Cancelled : BatchStatus.Completed);
                break;
        }
        progress.BatchChanged(run.Snapshot);
        await completion.CompleteIfDoneAsync(batch.MessageId, CancellationToken.None);
    }
}
