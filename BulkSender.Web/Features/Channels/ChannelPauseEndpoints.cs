using System.Security.Claims;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Web.Features.Account;
using BulkSender.Web.Features.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BulkSender.Web.Features.Channels;

/// <summary>Paused channels (GET, any user) and the admins' "Resume channel" (POST, which re-enqueues the held batches).</summary>
public static class ChannelPauseEndpoints
{
    public sealed record ChannelPauseResponse(ChannelKind Channel, string ErrorCode, string Reason, DateTime Since);

    public static IEndpointRouteBuilder MapChannelPauseEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/channels").RequireAuthorization().WithTags("Channels");

        group.MapGet("/pauses", async (ChannelPauses pauses, CancellationToken cancellationToken) =>
            TypedResults.Ok((await pauses.ListAsync(cancellationToken))
                .Select(p => new ChannelPauseResponse(p.Channel, p.ErrorCode, p.Reason, DateTime.SpecifyKind(p.Since, DateTimeKind.Utc))).ToList()));

        group.MapPost("/{channel}/resume", async Task<Results<Ok<ChannelResumed>, NotFound<string>>> (
            string channel, ChannelResume resume, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            if (!Enum.TryParse<ChannelKind>(channel, ignoreCase: true, out var kind) || !Enum.IsDefined(kind) || int.TryParse(channel, out _))
                return TypedResults.NotFound($"No channel '{channel}'.");
            return await resume.ResumeAsync(kind, user.ToActor(), cancellationToken) is { } resumed
                ? TypedResults.Ok(resumed)
                : TypedResults.NotFound($"{kind} is not paused.");
        }).RequireAuthorization(Policies.Admin);

        return app;
    }
}
