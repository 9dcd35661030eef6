using System.Security.Claims;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Retries;
using BulkSender.Web.Features.Account;
using BulkSender.Web.Features.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BulkSender.Web.Features.Settings;

/// <summary>
/// Channel settings over the API, for admins: the same views (secrets masked), changes and test messages as the page.
/// A channel's settings carry a version: a PUT that sends the version it read is refused with 409 when they changed
/// since; one without a version saves over whatever is stored.
/// </summary>
public static class SettingsEndpoints
{
    public sealed record SettingResponse(string Name, string Label, SettingKind Kind, bool Secret, string? Value, SettingSource Source,
        string? Help);

    public sealed record ChannelSettingsResponse(ChannelKind Channel, bool Configured, IReadOnlyList<SettingResponse> Settings, long Version);

    public sealed record SaveRequest(Dictionary<string, string?>? Values, List<string>? Clear, long? Version = null);

    public sealed record SaveResponse(IReadOnlyList<string> Changed, long Version);

    public sealed record TestRequest(string? Address, string? Text);

    public sealed record TestResponse(bool Succeeded, string? ProviderMessageId, string? ErrorCode, ErrorType? ErrorType, string? ErrorMessage);

    public static IEndpointRouteBuilder MapSettingsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/settings/channels").RequireAuthorization(Policies.Admin).WithTags("Settings");

        group.MapGet("/", async (ChannelSettingsStore store, ChannelTester tester, CancellationToken cancellationToken) =>
        {
            var channels = new List<ChannelSettingsResponse>();
            foreach (var channel in ChannelSettingFields.Channels)
                channels.Add(await ViewAsync(channel, store, tester, cancellationToken));
            return TypedResults.Ok(channels);
        });

        group.MapGet("/{channel}", async Task<Results<Ok<ChannelSettingsResponse>, NotFound>> (string channel, ChannelSettingsStore store,
            ChannelTester tester, CancellationToken cancellationToken) =>
            Parse(channel) is { } kind ? TypedResults.Ok(await ViewAsync(kind, store, tester, cancellationToken)) : TypedResults.NotFound());

        group.MapPut("/{channel}", async Task<Results<Ok<SaveResponse>, ValidationProblem, ProblemHttpResult, NotFound>> (
            string channel, SaveRequest request, ChannelSettingsStore store, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            if (Parse(channel) is not { } kind)
                return TypedResults.NotFound();
            var saved = await store.SaveAsync(new ChannelSettingsInput(kind, request.Values ?? [], request.Clear, request.Version),
                user.ToActor(), cancellationToken);
            if (saved.Conflict)
                return TypedResults.Problem(ChannelSettingsStore.ChangedMessage, statusCode: StatusCodes.Status409Conflict,
                    title: "The settings were not saved");
            return saved.Errors is { } errors
                ? TypedResults.ValidationProblem(errors.ToDictionary(), title: "The settings were not saved")
                : TypedResults.Ok(new SaveResponse(saved.Changed, saved.Version));
        });

        group.MapPost("/{channel}/test", async Task<Results<Ok<TestResponse>, ValidationProblem, NotFound>> (
            string channel, TestRequest request, ChannelTester tester, CancellationToken cancellationToken) =>
        {
            if (Parse(channel) is not { } kind)
                return TypedResults.NotFound();
            var outcome = await tester.SendAsync(kind, request.Address, request.Text, cancellationToken);
            if (outcome.Problem is { } problem)
                return TypedResults.ValidationProblem(
                    new Dictionary<string, string[]> { [ApiProblems.FieldName(outcome.ProblemField ?? "")] = [problem] });
            var result = outcome.Result!;
            return TypedResults.Ok(new TestResponse(result.Succeeded, result.ProviderMessageId, result.ErrorCode, result.ErrorType,
                result.ErrorMessage));
        });

        return app;
    }

    private static ChannelKind? Parse(string channel) =>
        Enum.TryParse<ChannelKind>(channel, ignoreCase: true, out var kind) && Enum.IsDefined(kind) && !int.TryParse(channel, out _) ? kind : null;

    private static async Task<ChannelSettingsResponse> ViewAsync(ChannelKind channel, ChannelSettingsStore store, ChannelTester tester,
        CancellationToken cancellationToken)
    {
        var form = await store.ViewAsync(channel, cancellationToken);
        return new(channel, await tester.IsConfiguredAsync(channel, cancellationToken),
            form.Settings
                .Select(v => new SettingResponse(v.Field.Name, v.Field.Label, v.Field.Kind, v.Field.IsSecret, v.Display, v.Source, v.Field.Help))
                .ToList(),
            form.Version);
    }
}
