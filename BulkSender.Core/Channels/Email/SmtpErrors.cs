using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using BulkSender.Core.Retries;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace BulkSender.Core.Channels.Email;

/// <summary>An SMTP server's refusal (or a broken connection) as a failed <see cref="ChannelResult"/>.</summary>
public static partial class SmtpErrors
{
    public static ChannelResult ToResult(Exception exception) => exception switch
    {
        AuthenticationException => Failed(ErrorType.AccessToken, "535", exception.Message),
        SmtpCommandException command => FromReply(command),
        SslHandshakeException => Failed(ErrorType.Network, "tls", exception.Message),
        SmtpProtocolException or ServiceNotConnectedException or IOException or SocketException or TimeoutException =>
            Failed(ErrorType.Network, "connection", exception.Message),
        _ => Failed(ErrorType.Other, "smtp", exception.Message),
    };

    private static ChannelResult FromReply(SmtpCommandException exception)
    {
        var status = (int)exception.StatusCode;
        var enhanced = Enhanced().Match(exception.Message) is { Success: true } match ? match.Value : null;
        var code = enhanced is null ? status.ToString(CultureInfo.InvariantCulture) : $"{status} {enhanced}";
        var type = (status, enhanced) switch
        {
            (535, _) or (_, "5.7.8") => ErrorType.AccessToken,
            (_, { } e) when e.StartsWith("5.1.", StringComparison.Ordinal) =>
                exception.ErrorCode == SmtpErrorCode.SenderNotAccepted ? ErrorType.Other : ErrorType.InvalidRecipient,
            (_, { } e) when e.StartsWith("5.7.", StringComparison.Ordinal) => ErrorType.Permission,
            ( >= 400 and < 500, _) when Throttled(enhanced, exception.Message) => ErrorType.RateLimit,
            ( >= 400 and < 500, _) => ErrorType.Network,
            (550 or 551 or 553, null) when exception.ErrorCode == SmtpErrorCode.RecipientNotAccepted => ErrorType.InvalidRecipient,
            _ => ErrorType.Other,
        };
        return Failed(type, code, exception.Message);
    }

    /// <summary>4.7.x (policy, "try later") or a reply that speaks of rates and limits: slow down rather than "the network".</summary>
    private static bool Throttled(string? enhanced, string text) =>
        enhanced?.StartsWith("4.7.", StringComparison.Ordinal) == true || enhanced == "4.5.3" || Throttling().IsMatch(text);

    private static ChannelResult Failed(ErrorType type, string code, string message) =>
        ChannelResult.Failed(type, code, GraphApi.Truncate(message));

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex Enhanced();

    [GeneratedRegex(@"rate|too many|throttl|limit|slow down", RegexOptions.IgnoreCase)]
    private static partial Regex Throttling();
}
