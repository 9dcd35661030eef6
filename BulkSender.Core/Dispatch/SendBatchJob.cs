using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Data;
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
/// again. A heartbeat runs beside the send while it waits (for the rate limiter or a slow provider).</item>
/// <item>Mark the chunk Sending in one conditional update, which is also the check for cancellation, for a lost claim
/// and for opt-outs. A chunk not fully marked is resolved: stop (cancelled, or the batch was taken back), or skip
/// the contacts who opted out since the send was created.</item>
/// <item>Pass each recipient through the <see cref="RecipientGate"/> and hand it to the channel. A contact of this
/// process who opts out while its chunk is in flight raises <see cref="OptOutSignal"/>: the chunk's opted-out flags
/// are read again before the next recipient goes, so nobody gets a message after opting out (another instance's
/// opt-out counts from the next chunk). Messenger recipients outside the 24-hour window fail as permission ("outside
/// the 24-hour messaging window") without reaching the provider, unless the message has a tag. A channel with a daily
/// limit (e-mail) is sent to while the day's allowance lasts (<see cref="DailySendQuota"/>); then the batch is held.
/// Then the shared rate limiter gives the slot.</item>
/// <item>Record the chunk's outcomes, with the counters and the heartbeat, in the same transaction that marks the
/// next chunk; report progress; go on with step 3.</item>
/// <item>End: Completed (or Cancelled, with its Pending deliveries), then the send is completed if this was its last
/// batch. A held batch goes back to Pending, due at the next UTC day, where reconciliation enqueues it again: its
/// unsent recipients stay Pending, nothing fails and no attempt is used up. At shutdown the batch goes back to
/// Pending at once. A batch that broke fails its unsent deliveries.</item>
/// </list>
/// </remarks>
[AutomaticRetry(Attempts = 0)]
public sealed class SendBatchJob(
    IDbContextFactory<AppDbContext> dbs,
    ChannelAdapters channels,
    ChannelRateLimiter limiter,
    DailySendQuota quota,
    OptOutSignal optOuts,
    IDispatchProgress progress,
    SendCompletion completion,
    IOptions<DispatchOptions> options,
    TimeProvider clock,
    ILogger<SendBatchJob> log)
{
    [JobDisplayName("Send batch {0}")]
    public async Task RunAsync(int batchId, CancellationToken cancellationToken)
    {
        var worker = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        await using var run = await BatchTransitions.ClaimAsync(dbs, clock, batchId, worker, cancellationToken);
        if (run is null)
        {
            log.LogDebug("Batch {BatchId} is not pending (done, cancelled, not due or claimed elsewhere): nothing to do", batchId);
            return;
        }

        progress.BatchChanged(run.Snapshot);
        using var beating = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = run.BeatEveryAsync(options.Value.HeartbeatInterval, log, beating.Token);
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
        var gate = new RecipientGate(optOuts, quota, limiter, clock, run, content, await quota.LimitAsync(content.Channel, cancellationToken));
        var chunks = await run.RecipientsAsync(cancellationToken);
        if (chunks.Count == 0)
            return BatchStop.None;

        gate.Watch();
        var marked = await run.MarkFirstAsync(chunks[0], cancellationToken);
        for (var i = 0; ; i++)
        {
            var (sending, stop) = marked == chunks[i].Length ? (chunks[i], BatchStop.None) : await run.ResolveAsync(chunks[i], cancellationToken);
            if (stop != BatchStop.None)
                return stop;

            var chunk = await SendChunkAsync(run, channel, content, gate, sending, cancellationToken);
            var next = chunk.Stop != BatchStop.None || i + 1 == chunks.Count ? null : chunks[i + 1];
            gate.Watch();
            marked = await run.RecordAsync(chunk, next);
            progress.Progressed(run.Snapshot);
            if (next is null)
                return chunk.Stop;
        }
    }

    /// <summary>Each recipient through the gate, then to the channel; stops at a held batch or at shutdown.</summary>
    private async Task<ChunkOutcome> SendChunkAsync(BatchTransitions run, IChannel channel, BatchContent content, RecipientGate gate,
        IReadOnlyList<BatchRecipient> sending, CancellationToken cancellationToken)
    {
        var (results, skipped) = (new List<(BatchRecipient, ChannelResult)>(sending.Count), new List<BatchRecipient>());
        foreach (var recipient in sending)
        {
            try
            {
                var verdict = await gate.PassAsync(recipient, sending, cancellationToken);
                switch (verdict.Is)
                {
                    case GateVerdict.Kind.SkipOptedOut:
                        skipped.Add(recipient);
                        break;
                    case GateVerdict.Kind.Refuse:
                        results.Add((recipient, verdict.Refusal!));
                        break;
                    case GateVerdict.Kind.Hold:
                        return ChunkOutcome.Of(sending, results, skipped, BatchStop.DailyLimit);
                    default:
                        results.Add((recipient, await SendOneAsync(channel, run.Batch.MessageId, recipient, content, cancellationToken)));
                        break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ChunkOutcome.Of(sending, results, skipped, BatchStop.Shutdown);
            }
        }
        return ChunkOutcome.Of(sending, results, skipped, BatchStop.None);
    }

    private async Task<ChannelResult> SendOneAsync(IChannel channel, int messageId, BatchRecipient recipient, BatchContent content,
        CancellationToken cancellationToken)
    {
        try
        {
            return await channel.SendAsync(new OutgoingMessage(recipient.DeliveryId, messageId, content.Channel, recipient.Address, recipient.Name,
                recipient.AttemptNumber, content.Title, content.Text, content.MessageTag,
                content.Template is { } template ? TemplateMessage.For(template, new RecipientValues(recipient.Name, recipient.Address)) : null), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            log.LogWarning(ex, "The {Channel} adapter threw for delivery {DeliveryId}", content.Channel, recipient.DeliveryId);
            return ChannelResult.Failed(ErrorType.Other, "adapter_exception", BatchTransitions.Truncate($"The adapter failed: {ex.Message}", 1000));
        }
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
            case (_, BatchStop.DailyLimit):
                var resumeAt = quota.NextDay();
                await run.ReleaseAsync(resumeAt);
                log.LogInformation("The channel's daily limit is reached: batch {BatchId} of message {MessageId} goes on at {ResumeAt:u}",
                    batch.Id, batch.MessageId, resumeAt);
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
