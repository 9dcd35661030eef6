using BulkSender.Core.Retries;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Channels;

/// <summary>
/// The default adapter for every channel: no account anywhere, configurable latency and failure mix,
/// deterministic for a given seed, and every send recorded in <see cref="SimulatedChannelLog"/>.
/// </summary>
public sealed class SimulatedChannel(IOptions<SimulatedChannelOptions> options, SimulatedChannelLog log, TimeProvider clock) : IChannel
{
    /// <summary>How the provider message ids it gives out begin (the rest is the message and delivery id).</summary>
    public const string ProviderIdPrefix = "sim-";

    private static readonly Dictionary<ErrorType, (string Code, string Message)> Errors = new()
    {
        [ErrorType.AccessToken] = ("190", "Simulated: the access token has expired."),
        [ErrorType.RateLimit] = ("613", "Simulated: calls to this API have exceeded the rate limit."),
        [ErrorType.InvalidRecipient] = ("551", "Simulated: this person isn't available right now."),
        [ErrorType.Network] = ("ETIMEDOUT", "Simulated: the connection to the provider timed out."),
        [ErrorType.Permission] = ("10", "Simulated: the page does not have permission to send this message."),
        [ErrorType.Other] = ("2", "Simulated: an unexpected error occurred at the provider."),
    };

    public async Task<ChannelResult> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        await message.BeforeCallAsync(cancellationToken);
        var received = clock.GetTimestamp();
        var settings = options.Value;
        var roll = Roll(settings.Seed, message);
        var latency = settings.LatencyMs + (settings.LatencyJitterMs == 0 ? 0 : (int)(roll.Jitter % (ulong)(settings.LatencyJitterMs + 1)));
        if (latency > 0)
            await Task.Delay(TimeSpan.FromMilliseconds(latency), clock, cancellationToken);

        var result = Outcome(settings.FailureRates, roll.Share) is { } error
            ? ChannelResult.Failed(error, Errors[error].Code, Errors[error].Message) with
            {
                RetryAfter = error == ErrorType.RateLimit ? TimeSpan.FromMilliseconds(settings.RateLimitRetryAfterMs) : null,
            }
            : ChannelResult.Sent($"{ProviderIdPrefix}{message.MessageId}-{message.DeliveryId}");
        log.Record(new SimulatedSend(message.DeliveryId, message.MessageId, message.Channel, message.Address, message.AttemptNumber,
            result.Succeeded, result.ErrorType, received, clock.GetUtcNow())
        {
            Title = message.Title,
            Text = message.Content,
            Attachment = message.Attachment?.FileName,
            IsTest = message.IsTest,
        });
        return result;
    }

    /// <summary>Picks the error type whose slice of [0, 1) holds <paramref name="share"/>, or null for a success.</summary>
    internal static ErrorType? Outcome(IReadOnlyDictionary<ErrorType, double> rates, double share)
    {
        var upTo = 0.0;
        foreach (var type in Enum.GetValues<ErrorType>())
        {
            upTo += rates.GetValueOrDefault(type);
            if (share < upTo)
                return type;
        }
        return null;
    }

    private static (double Share, ulong Jitter) Roll(int seed, OutgoingMessage message)
    {
        var hash = SimulatedDice.Hash($"{seed}|{message.MessageId}|{message.AttemptNumber}|{message.Channel}|{message.Address}");
        return (SimulatedDice.Share(hash), hash);
    }
}

/// <summary>The simulated provider's dice: a function of text only, so runs and processes repeat.</summary>
internal static class SimulatedDice
{
    /// <summary>FNV-1a: stable across processes, unlike string.GetHashCode.</summary>
    public static ulong Hash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return hash;
    }

    /// <summary>A share in [0, 1) from a hash, its bits mixed first.</summary>
    public static double Share(ulong hash)
    {
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return (hash >> 11) * (1.0 / (1UL << 53));
    }
}
