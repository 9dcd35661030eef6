namespace BulkSender.Core.Channels.Settings;

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
