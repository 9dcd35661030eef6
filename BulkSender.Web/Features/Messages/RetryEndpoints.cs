using System.Security.Claims;
using BulkSender.Core.Channels;
using BulkSender.Core.Personalization;
using BulkSender.Core.Retries;
using BulkSender.Web.Features.Account;
using BulkSender.Web.Features.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BulkSender.Web.Features.Messages;

/// <summary>Failed recipients, resends and retry policies (snake_case JSON, as the prototype's API).</summary>
public static class RetryEndpoints
{
    public sealed record FailedRecipientItem(
        int? RecipientId,
        string? RecipientName,
        string Address,
        string? LastErrorCode,
        string? LastErrorMessage,
        string LastErrorType,
        int AttemptCount,
        bool Retryable,
        string? NotRetryableReason,
        long DeliveryId);

    public sealed record FailedStats(int Sent, int Failed, int Total);

    public sealed record FailedRecipientsResponse(
        int MessageId,
        IReadOnlyList<FailedRecipientItem> FailedRecipients,
        int RetryableCount,
        IReadOnlyDictionary<string, int> ErrorTypeCounts,
        FailedStats Stats,
        int MaxRetryAttempts,
        string RetryPolicy,
        int RetryCount,
        DateTime? NextRetryAt);

    /// <summary>What one recipient got, rendered again (<see cref="PersonalCopies"/>); <c>problem</c> when it could not be sent.</summary>
    public sealed record CopyResponse(string Title, string Content, OutgoingTemplate? Template, string? Problem);

    public sealed record ResendRequest(int[]? RecipientIds, string[]? ErrorTypes);

    public sealed record ResendBatches(int Total, int Size, int StartNumber);

    public sealed record ResendResponse(string Message, int RecipientsToRetry, ResendBatches Batches);

    /// <summary>
    /// The new policy; <c>previous_policy</c> and <c>previous_max_attempts</c>, when given, are the values the caller
    /// saw: if the message's policy is no longer those, nothing is saved (409).
    /// </summary>
    public sealed record PolicyRequest(string? Policy, int? MaxAttempts, string? PreviousPolicy = null, int? PreviousMaxAttempts = null);

    public static IEndpointRouteBuilder MapRetryEndpoints(this IEndpointRouteBuilder app)
    {
        var messages = app.MapGroup("/api/messages/{id:int}").RequireAuthorization().WithTags("Retries");
        messages.MapGet("/failed-recipients", FailedAsync);
        messages.MapGet("/failed-recipients.csv", CsvAsync).Produces<string>(contentType: "text/csv");
        messages.MapGet("/deliveries/{deliveryId:long}/copy", CopyAsync);
        messages.MapPost("/resend", ResendAsync);
        messages.MapPut("/retry-policy", PolicyAsync).RequireAuthorization(Policies.Admin);
        return app;
    }

    private static async Task<Results<Ok<FailedRecipientsResponse>, NotFound>> FailedAsync(int id, FailedRecipientQueries queries,
        CancellationToken cancellationToken)
    {
        if (await queries.GetAsync(id, cancellationToken) is not { } report)
            return TypedResults.NotFound();
        return TypedResults.Ok(new FailedRecipientsResponse(
            report.MessageId,
            report.Recipients.Select(r => new FailedRecipientItem(r.ContactId, r.Name, r.Address, r.ErrorCode, r.ErrorMessage,
                ErrorTypes.Name(r.ErrorType), r.Attempts, r.Retryable, r.NotRetryableReason, r.DeliveryId)).ToList(),
            report.Retryable,
            report.ErrorTypeCounts.ToDictionary(p => ErrorTypes.Name(p.Key), p => p.Value),
            new FailedStats(report.Sent, report.Failed, report.Total),
            report.MaxAttempts, report.Policy.ToString(), report.RetryCount, report.NextRetryAt));
    }

    private static async Task<Results<Ok<CopyResponse>, NotFound>> CopyAsync(int id, long deliveryId, PersonalCopies copies,
        CancellationToken cancellationToken) =>
        await copies.ForDeliveryAsync(id, deliveryId, cancellationToken) is { } copy
            ? TypedResults.Ok(new CopyResponse(copy.Title, copy.Content, copy.Template, copy.Problem))
            : TypedResults.NotFound();

    private static async Task<Results<FileContentHttpResult, NotFound>> CsvAsync(int id, FailedRecipientQueries queries,
        CancellationToken cancellationToken)
    {
        if (await queries.GetAsync(id, cancellationToken) is not { } report)
            return TypedResults.NotFound();
        using var buffer = new MemoryStream();
        await FailedRecipientQueries.WriteCsvAsync(report, buffer, cancellationToken);
        return TypedResults.File(buffer.ToArray(), "text/csv", $"failed-recipients-{id}.csv");
    }

    private static async Task<Results<Ok<ResendResponse>, NotFound, ValidationProblem, ProblemHttpResult>> ResendAsync(
        int id, ResendRequest? request, RetryPlanner planner, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var types = new List<ErrorType>();
        foreach (var name in request?.ErrorTypes ?? [])
        {
            if (!ErrorTypes.TryParse(name, out var type))
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["error_types"] =
                        [$"Unknown error type '{name}'. Use access_token, rate_limit, invalid_recipient, network, permission or other."],
                });
            types.Add(type);
        }
        var outcome = await planner.RetryAsync(id, new RetryRequest(request?.RecipientIds, types), user.ToActor(), RetryTrigger.Manual,
            cancellationToken);
        return outcome.Status switch
        {
            RetryStatus.Started => TypedResults.Ok(new ResendResponse(outcome.Message, outcome.Recipients,
                new ResendBatches(outcome.Batches, outcome.BatchSize, outcome.FirstBatchNumber))),
            RetryStatus.NotFound => TypedResults.NotFound(),
            RetryStatus.StillSending => TypedResults.Problem(outcome.Message, statusCode: StatusCodes.Status409Conflict, title: "Not now"),
            _ => TypedResults.Problem(outcome.Message, statusCode: StatusCodes.Status400BadRequest, title: "Nothing was retried"),
        };
    }

    private static async Task<Results<NoContent, NotFound, ValidationProblem, ProblemHttpResult>> PolicyAsync(
        int id, PolicyRequest request, RetryPolicies policies, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (ParsePolicy(request.Policy) is not { } policy)
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["policy"] = ["The policy must be manual, immediate or scheduled."] });
        RetryPolicyInput? shown = null;
        if (request.PreviousPolicy is not null || request.PreviousMaxAttempts is not null)
        {
            if (ParsePolicy(request.PreviousPolicy) is not { } previous || request.PreviousMaxAttempts is not { } previousMax)
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["previous_policy"] = ["Give both previous_policy and previous_max_attempts, as the message showed them, or neither."],
                });
            shown = new RetryPolicyInput { Policy = previous, MaxAttempts = previousMax };
        }
        var input = new RetryPolicyInput { Policy = policy, MaxAttempts = request.MaxAttempts ?? 0 };
        var result = await policies.ChangeAsync(id, input, shown, user.ToActor(), cancellationToken);
        return result.Status switch
        {
            PolicyChangeStatus.Changed => TypedResults.NoContent(),
            PolicyChangeStatus.NotFound => TypedResults.NotFound(),
            PolicyChangeStatus.Conflict => TypedResults.Problem(RetryPolicies.MessagePolicyChangedMessage,
                statusCode: StatusCodes.Status409Conflict, title: "Changed meanwhile"),
            _ => TypedResults.ValidationProblem(result.Errors.ToDictionary(e => ApiProblems.FieldName(e.Key), e => e.Value)),
        };
    }

    private static RetryPolicyType? ParsePolicy(string? value) =>
        Enum.TryParse<RetryPolicyType>(value, ignoreCase: true, out var policy) && Enum.IsDefined(policy) ? policy : null;
}
