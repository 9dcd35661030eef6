using System.Security.Claims;
using System.Text.Json;
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

    public sealed record BatchesSummary(
        int TotalBatches,
        int Completed,
        int Processing,
        int Pending,
        int Failed,
        int Cancelled,
        int TotalSent,
        int TotalFailed,
        double SuccessRate);

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

    public static IEndpointRouteBuilder MapMessageEndpoints(this IEndpointRouteBuilder app)
    {
        var messages = app.MapGroup("/api/messages").RequireAuthorization().WithTags("Messages");
        messages.MapPost("/", CreateAsync);
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

    private static async Task<Results<Ok<BatchesResponse>, NotFound>> BatchesAsync(
        int id, IDbContextFactory<AppDbContext> dbs, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var status = await db.Messages.Where(m => m.Id == id).Select(m => (MessageStatus?)m.Status).SingleOrDefaultAsync(cancellationToken);
        if (status is null)
            return TypedResults.NotFound();
        var batches = await db.Batches.AsNoTracking().Where(b => b.MessageId == id).OrderBy(b => b.Number).ToListAsync(cancellationToken);
        var sent = batches.Sum(b => b.SentCount);
        var failed = batches.Sum(b => b.FailedCount);
        var summary = new BatchesSummary(
            batches.Count,
            batches.Count(b => b.Status == BatchStatus.Completed),
            batches.Count(b => b.Status == BatchStatus.Processing),
            batches.Count(b => b.Status == BatchStatus.Pending),
            batches.Count(b => b.Status == BatchStatus.Failed),
            batches.Count(b => b.Status == BatchStatus.Cancelled),
            sent,
            failed,
            sent + failed == 0 ? 0 : Math.Round(100.0 * sent / (sent + failed), 1));
        return TypedResults.Ok(new BatchesResponse(id, Snake(status.Value), batches.Select(b => new BatchItem(b.Id, b.Number, b.AttemptNumber,
            Snake(b.Status), b.RecipientCount, b.SentCount, b.FailedCount, b.SkippedCount, b.Error, Utc(b.StartedAt), Utc(b.CompletedAt))).ToList(), summary));
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

    /// <summary>The database gives times back without a kind; they are UTC, and the JSON says so.</summary>
    private static DateTime? Utc(DateTime? value) => value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : null;

    private static string Snake<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
