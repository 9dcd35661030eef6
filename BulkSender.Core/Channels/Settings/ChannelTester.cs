using BulkSender.Core.Contacts;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Core.Channels.Settings;

/// <summary>
/// The answer to "send test message": a problem with the input (and which input: "Address" or "Text"), or the
/// provider's own answer.
/// </summary>
public sealed record TestMessageOutcome(string? Problem, ChannelResult? Result, string? ProblemField = null);

/// <summary>For the settings page: whether a channel's real adapter is configured, and one message through it with the saved settings.</summary>
public sealed class ChannelTester(IServiceProvider services)
{
    public const string Title = "BulkSender test message";

    public Task<bool> IsConfiguredAsync(ChannelKind channel, CancellationToken cancellationToken) =>
        services.GetRequiredKeyedService<IRealChannel>(channel).IsConfiguredAsync(cancellationToken);

    public async Task<TestMessageOutcome> SendAsync(ChannelKind channel, string? address, string? text, CancellationToken cancellationToken)
    {
        var normalized = ContactAddress.Normalize(channel, address);
        if (ContactAddress.Problem(channel, normalized) is { } problem)
            return new TestMessageOutcome(problem, null, "Address");
        if (string.IsNullOrWhiteSpace(text) || text.Length > 2000)
            return new TestMessageOutcome("Enter a message of 1 to 2,000 characters.", null, "Text");

        var adapter = services.GetRequiredKeyedService<IRealChannel>(channel);
        var message = new OutgoingMessage(0, 0, channel, normalized, null, 1, Title, text.Trim(), null);
        return new TestMessageOutcome(null, await adapter.SendAsync(message, cancellationToken));
    }
}
