using System.Security.Claims;
using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Funnel;
using BulkSender.Core.Messages;
using BulkSender.Web.Features.Shared;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Web.Features.Messages;

/// <summary>The messages API for scripts and integrators (snake_case JSON, login required).</summary>
public static class MessageEndpoints
{
    public sealed record CreatedMessage(int Id, string Status, int TotalRecipients, int BatchCount);

    public sealed record BatchItem(
        int Id,
        int Number,
        int AttemptNumber,
        string Status,
        int RecipientCount,
        int SentCount,
        int FailedCount,
        int SkippedCount,
        string? Error,
        DateTime? StartedAt,
        DateTime? CompletedAt);

    /// <summary>
    /// The batches by status, and the recipients sent to and failed, each recipient counted once by their latest attempt
    /// (the same numbers as the report); <c>sent_attempts</c> and <c>failed_attempts</c> count every attempt, resends included.
    /// </summary>
    public sealed record BatchesSummary(
        int TotalBatches,
        int Completed,
        int Processing,
        int Pending,
        int Failed,
        int Cancelled,
        int TotalSent,
        int TotalFailed,
        double SuccessRate,
        int SentAttempts,
        int FailedAttempts);

    public sealed record BatchesResponse(int MessageId, string Status, IReadOnlyList<BatchItem> Batches, BatchesSummary Summary);

    /// <summary>Percentages (one decimal) of the recipients sent to.</summary>
    public sealed record FunnelRates(double Delivered, double Read, double Replied, double Closed);

    /// <summary>The delivery funnel, each recipient counted once by their latest attempt (the message page's numbers).</summary>
    public sealed record MessageReport(
        int MessageId,
        int Total,
        int Sent,
        int Delivered,
        int Read,
        int Replied,
        int Closed,
        int Failed,
        FunnelRates Rates);

    public sealed record ClosedConversation(long DeliveryId, bool AlreadyClosed);

    public sealed record CancelledMessage(int Id, string Status);

    /// <summary>
    /// How a test send went: <c>status</c> is <c>sent</c> (with the provider's message id), <c>failed</c> (the
    /// provider's error type, code and message) or <c>not_sent</c> (the provider was not called: <c>summary</c> says why).
    /// </summary>
    public sealed record TestSendResponse(string Status, string Summary, ChannelKind Channel, string? ProviderMessageId, string? ErrorType,
        string? ErrorCode, string? ErrorMessage);

    /// <summary>A message in the list; counts are recipients by their latest attempt, times UTC.</summary>
    public sealed record MessageListEntry(int Id, string Title, string Status, ChannelKind Channel, int TotalRecipients, int SentCount,
        int FailedCount, int SkippedCount, int BatchCount, string? CreatedByName, DateTime CreatedAt, DateTime? ScheduledAt, DateTime? CompletedAt);

    /// <summary>One page of messages (<c>page</c> from 0) and how many match the filters.</summary>
    public sealed record MessageList(IReadOnlyList<MessageListEntry> Items, int Total, int Page, int PageSize);

    public static IEndpointRouteBuilder MapMessageEndpoints(this IEndpointRouteBuilder app)
    {
        var messages = app.MapGroup("/api/messages").RequireAuthorization().WithTags("Messages");
        messages.MapGet("/", ListAsync);
        messages.MapPost("/", CreateAsync);
        messages.MapPost("/test-send", TestSendAsync);
        messages.MapGet("/{id:int}/batches", BatchesAsync);
        messages.MapPost("/{id:int}/cancel", CancelAsync);
        messages.MapGet("/{id:int}/report", ReportAsync);
        messages.MapPost("/{id:int}/deliveries/{deliveryId:long}/close", CloseConversationAsync);
        return app;
    }

    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>
    /// Creates a send (or a scheduled send, or a draft) with the compose form's validation; bad input gets a 400
    /// ProblemDetails. With an Idempotency-Key header, at most once per key of the user for 24 hours: the same body
    /// again (even while the first is being created: it waits for it) gets the first answer, a different body 422.
    /// </summary>
    private static async Task<Results<Created<CreatedMessage>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        ComposeModel model, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, HttpResponse response,
        SendService sends, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var outcome = await sends.SaveAsync(model, null, user.ToActor(), idempotencyKey, cancellationToken);
        if (outcome.KeyReused)
            return TypedResults.Problem(outcome.Errors[ComposeOutcome.IdempotencyKeyField][0], statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "Idempotency key already used");
        if (!outcome.Succeeded)
            return TypedResults.ValidationProblem(
                outcome.Errors.ToDictionary(e => e.Key == ComposeOutcome.IdempotencyKeyField ? IdempotencyKeyHeader : ApiProblems.FieldName(e.Key),
                    e => e.Value),
                detail: string.Join(" ", outcome.Errors.SelectMany(e => e.Value)));
        if (outcome.Replayed)
            response.Headers["Idempotent-Replayed"] = "true";
        return TypedResults.Created($"/api/messages/{outcome.MessageId}",
            new CreatedMessage(outcome.MessageId, Snake(outcome.Status), outcome.Recipients, outcome.Batches));
    }

    /// <summary>
    /// Sends the compose's message to one contact (<c>contact_id</c>) or a typed <c>address</c>, rendered for them,
    /// through the channel's adapter; nothing is counted (no message is created). The compose form's validation applies
    /// to the message: bad input gets a 400 ProblemDetails; otherwise 200 with the provider's answer.
    /// </summary>
    private static async Task<Results<Ok<TestSendResponse>, ValidationProblem>> TestSendAsync(
        TestSendModel model, TestSends tests, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var outcome = await tests.SendAsync(model, user.ToActor(), cancellationToken);
        if (outcome.Status == TestSendStatus.Invalid)
            return TypedResults.ValidationProblem(outcome.Errors.ToDictionary(e => ApiProblems.FieldName(e.Key), e => e.Value),
                detail: outcome.Summary);
        var result = outcome.Result;
        return TypedResults.Ok(new TestSendResponse(Snake(outcome.Status), outcome.Summary, model.Channel, result?.ProviderMessageId,
            result?.ErrorType is { } type ? Snake(type) : null, result?.ErrorCode, result?.ErrorMessage));
    }

    /// <summary>
    /// The messages, newest first: <c>page</c> from 0, <c>page_size</c> up to <see cref="MessageListQuery.MaxPageSize"/>
    /// (50 when not given), optionally of one <c>status</c> (as the API writes it, e.g. <c>partially_sent</c>) and one
    /// <c>channel</c> (any case).
    /// </summary>
    private static async Task<Results<Ok<MessageList>, ValidationProblem>> ListAsync(
        MessageListQuery messages, string? status, string? channel, int? page, [FromQuery(Name = "page_size")] int? pageSize,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var wanted = status is null ? null : ParseStatus(status);
        if (status is not null && wanted is null)
            errors["status"] = [$"Unknown status '{status}'. Use {string.Join(", ", Enum.GetValues<MessageStatus>().Select(s => Snake(s)))}."];
        ChannelKind? kind = Enum.TryParse<ChannelKind>(channel, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed : null;
        if (channel is not null && (kind is null || int.TryParse(channel, out _)))
            errors["channel"] = [$"Unknown channel '{channel}'. Use {string.Join(", ", Enum.GetValues<ChannelKind>())}."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        var list = await messages.PageAsync(wanted, kind, page ?? 0, pageSize ?? 50, cancellationToken);
        var items = list.Items.Select(m => new MessageListEntry(m.Id, m.Title, Snake(m.Status), m.Channel, m.TotalRecipients, m.SentCount,
            m.FailedCount, m.SkippedCount, m.BatchCount, m.CreatedByName, Utc(m.CreatedAt)!.Value, Utc(m.ScheduledAt), Utc(m.CompletedAt))).ToList();
        return TypedResults.Ok(new MessageList(items, list.Total, list.Page, list.PageSize));
    }

    private static async Task<Results<Ok<BatchesResponse>, NotFound>> BatchesAsync(
        int id, IDbContextFactory<AppDbContext> dbs, FunnelQueries funnels, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var status = await db.Messages.Where(m => m.Id == id).Select(m => (MessageStatus?)m.Status).SingleOrDefaultAsync(cancellationToken);
        if (status is null)
            return TypedResults.NotFound();
        var batches = await db.Batches.AsNoTracking().Where(b => b.MessageId == id).OrderBy(b => b.Number).ToListAsync(cancellationToken);
        // Recipients by their latest attempt, as the report counts them; the batches' own counts are attempts.
        var recipients = await funnels.ForMessageAsync(id, cancellationToken) ?? MessageFunnel.Empty;
        var (sent, failed) = (recipients.Sent, recipients.Failed);
        var summary = new BatchesSummary(
            batches.Count,
            batches.Count(b => b.Status == BatchStatus.Completed),
            batches.Count(b => b.Status == BatchStatus.Processing),
            batches.Count(b => b.Status == BatchStatus.Pending),
            batches.Count(b => b.Status == BatchStatus.Failed),
            batches.Count(b => b.Status == BatchStatus.Cancelled),
            sent,
            failed,
            sent + failed == 0 ? 0 : Math.Round(100.0 * sent / (sent + failed), 1),
            batches.Sum(b => b.SentCount),
            batches.Sum(b => b.FailedCount));
        return TypedResults.Ok(new BatchesResponse(id, Snake(status.Value), batches.Select(b => new BatchItem(b.Id, b.Number,
            b.AttemptNumber, Snake(b.Status), b.RecipientCount, b.SentCount, b.FailedCount, b.SkippedCount, b.Error, Utc(b.StartedAt),
            Utc(b.CompletedAt))).ToList(), summary));
    }

    private static async Task<Results<Ok<CancelledMessage>, NotFound, ProblemHttpResult>> CancelAsync(
        int id, SendService sends, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await sends.CancelAsync(id, user.ToActor(), cancellationToken) switch
        {
            CancelOutcome.Cancelled => TypedResults.Ok(new CancelledMessage(id, Snake(MessageStatus.Cancelled))),
            CancelOutcome.NotFound => TypedResults.NotFound(),
            _ => TypedResults.Problem("Only a scheduled or sending message can be cancelled.", statusCode: StatusCodes.Status409Conflict),
        };

    private static async Task<Results<Ok<MessageReport>, NotFound>> ReportAsync(int id, FunnelQueries funnels, CancellationToken cancellationToken)
    {
        if (await funnels.ForMessageAsync(id, cancellationToken) is not { } f)
            return TypedResults.NotFound();
        return TypedResults.Ok(new MessageReport(id, f.Total, f.Sent, f.Delivered, f.Read, f.Replied, f.Closed, f.Failed,
            new FunnelRates(f.PercentOfSent(f.Delivered), f.PercentOfSent(f.Read), f.PercentOfSent(f.Replied), f.PercentOfSent(f.Closed))));
    }

    /// <summary>
    /// Marks a recipient's conversation handled (the funnel's last stage); closing it again changes nothing. Only a
    /// recipient who replied has a conversation: any other delivery gets 409.
    /// </summary>
    private static async Task<Results<Ok<ClosedConversation>, NotFound, ProblemHttpResult>> CloseConversationAsync(
        int id, long deliveryId, ClaimsPrincipal user, DeliveryStatusUpdater statuses, TimeProvider clock, CancellationToken cancellationToken) =>
        await statuses.CloseAsync(id, deliveryId, user.ToActor(), clock.GetUtcNow().UtcDateTime, cancellationToken) switch
        {
            CloseOutcome.NotFound => TypedResults.NotFound(),
            CloseOutcome.NotReplied => TypedResults.Problem("This recipient has not replied, so there is no conversation to close.",
                statusCode: StatusCodes.Status409Conflict, title: "No reply to close"),
            var outcome => TypedResults.Ok(new ClosedConversation(deliveryId, outcome == CloseOutcome.AlreadyClosed)),
        };

    /// <summary>A status as the API writes it (<c>partially_sent</c>) or as its name (<c>PartiallySent</c>), in any case.</summary>
    private static MessageStatus? ParseStatus(string value) => Enum.GetValues<MessageStatus>().Cast<MessageStatus?>()
        .FirstOrDefault(s => string.Equals(Snake(s!.Value), value.Trim(), StringComparison.OrdinalIgnoreCase)
            || string.Equals(s.ToString(), value.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The database gives times back without a kind; they are UTC, and the JSON says so.</summary>
    private static DateTime? Utc(DateTime? value) => value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : null;

    private static string Snake<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
