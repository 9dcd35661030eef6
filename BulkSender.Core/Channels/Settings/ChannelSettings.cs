using System.Globalization;

namespace BulkSender.Core.Channels.Settings;

/// <summary>A channel's effective settings by field name: the database's value over the configuration's, plaintext.</summary>
public sealed class ChannelSettingValues(ChannelKind channel, IReadOnlyDictionary<string, string> values)
{
    public ChannelKind Channel => channel;

    public string? Text(string name) => values.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    public Uri? Url(string name) =>
        Uri.TryCreate(Text(name), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;

    public double? Number(string name) =>
        double.TryParse(Text(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;
}

public enum SmtpSecurity
{
    None,
    StartTls,
    SslOnConnect,
}

/// <summary>Graph Send API settings of the Messenger page.</summary>
public sealed record MessengerSettings(Uri? BaseUrl, string ApiVersion, string PageId, string? AccessToken, string? AppSecret, string? VerifyToken, Uri? StatusUrl, double? RatePerSecond)
    : IChannelSettings
{
    public const string AccessTokenName = "AccessToken";

    /// <summary>Enough to send: a base URL and a page access token.</summary>
    public bool IsConfigured => BaseUrl is not null && AccessToken is not null;

    public string Requirement => "set the Graph API base URL and the page access token in Settings.";

    public static MessengerSettings From(ChannelSettingValues v) => new(
        v.Url("BaseUrl"), v.Text("ApiVersion") ?? "v23.0", v.Text("PageId") ?? "me", v.Text(AccessTokenName),
        v.Text("AppSecret"), v.Text("VerifyToken"), v.Url("StatusUrl"), v.Number("RatePerSecond"));
}

/// <summary>WhatsApp Cloud API settings of one business phone number.</summary>
public sealed record WhatsAppSettings(Uri? BaseUrl, string ApiVersion, string? PhoneNumberId, string? AccessToken, string? AppSecret, string? VerifyToken, Uri? StatusUrl, double? RatePerSecond)
    : IChannelSettings
{
    public const string AccessTokenName = "AccessToken";

    /// <summary>Enough to send: a base URL, a phone number id and an access token.</summary>
    public bool IsConfigured => BaseUrl is not null && PhoneNumberId is not null && AccessToken is not null;

    public string Requirement => "set the Cloud API base URL, the phone number id and the access token in Settings.";

    public static WhatsAppSettings From(ChannelSettingValues v) => new(
        v.Url("BaseUrl"), v.Text("ApiVersion") ?? "v23.0", v.Text("PhoneNumberId"), v.Text(AccessTokenName),
        v.Text("AppSecret"), v.Text("VerifyToken"), v.Url("StatusUrl"), v.Number("RatePerSecond"));
}

/// <summary>The SMTP server e-mails go through.</summary>
public sealed record EmailSettings(
    string? Host, int Port, SmtpSecurity Security, string? UserName, string? Password, string? FromAddress, string? FromName, string? ReplyTo,
    Uri? PublicBaseUrl, int MaxConnections, double? RatePerSecond, int? DailyLimit) : IChannelSettings
{
    public const string PasswordName = "Password";

    /// <summary>Enough to send: a server, a sender, and a public URL for the unsubscribe link every e-mail carries.</summary>
    public bool IsConfigured => Host is not null && FromAddress is not null && PublicBaseUrl is not null;

    public string Requirement => "set the SMTP host, the from address and the public URL of BulkSender in Settings.";

    /// <summary>What a pooled connection was opened with: a change of any of these needs a new connection.</summary>
    public string ConnectionKey => string.Join('\n', Host, Port, Security, UserName, Password);

    public static EmailSettings From(ChannelSettingValues v) => new(
        v.Text("Host"), (int)(v.Number("Port") ?? 587),
        Enum.TryParse<SmtpSecurity>(v.Text("Security"), out var security) ? security : SmtpSecurity.StartTls,
        v.Text("UserName"), v.Text(PasswordName), v.Text("FromAddress"), v.Text("FromName"), v.Text("ReplyTo"),
        v.Url("PublicBaseUrl"), Math.Clamp((int)(v.Number("MaxConnections") ?? 4), 1, 20), v.Number("RatePerSecond"),
        v.Number("DailyLimit") is { } daily ? (int)daily : null);
}
