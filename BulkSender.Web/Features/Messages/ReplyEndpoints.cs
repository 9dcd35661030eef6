using System.Security.Claims;
using BulkSender.Core.Funnel;
using BulkSender.Web.Features.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BulkSender.Web.Features.Messages;

/// <summary>POST /api/messages/{id}/replies/{deliveryId}: a person's reply to one Messenger contact, with the HUMAN_AGENT tag.</summary>
public static class ReplyEndpoints
{
    public sealed record ReplyRequest(string? Text);

    public sealed record ReplyResponse(long DeliveryId, string? ProviderMessageId, string Message);

    public static IEndpointRouteBuilder MapReplyEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/messages").RequireAuthorization().WithTags("Messages")
            .MapPost("/{id:int}/replies/{deliveryId:long}", ReplyAsync);
        return app;
    }

    private static async Task<Results<Ok<ReplyResponse>, NotFound, ValidationProblem, ProblemHttpResult>> ReplyAsync(
        int id, long deliveryId, ReplyRequest request, ClaimsPrincipal user, HumanAgentReplies replies, CancellationToken cancellationToken)
    {
        var outcome = await replies.SendAsync(id, deliveryId, request.Text, user.ToActor(), cancellationToken);
        return outcome.Status switch
        {
            ReplyStatus.Sent => TypedResults.Ok(new ReplyResponse(deliveryId, outcome.Result?.ProviderMessageId, outcome.Message)),
            ReplyStatus.NotFound => TypedResults.NotFound(),
            ReplyStatus.Invalid => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["text"] = [outcome.Message] }),
            ReplyStatus.TooLate =>
                TypedResults.Problem(outcome.Message, statusCode: StatusCodes.Status409Conflict, title: "Too late for HUMAN_AGENT"),
            ReplyStatus.Refused => TypedResults.Problem(outcome.Message, statusCode: StatusCodes.Status409Conflict, title: "No reply possible"),
            _ => TypedResults.Problem(outcome.Message, statusCode: StatusCodes.Status502BadGateway, title: "Messenger refused the reply"),
        };
    }
}
