using BulkSender.Core.Channels.WhatsApp;

namespace BulkSender.Core.Channels.Settings;

/// <summary>The settings each channel has, in the order the settings page shows them.</summary>
public static class ChannelSettingFields
{
    public static readonly IReadOnlyList<ChannelKind> Channels = [ChannelKind.Messenger, ChannelKind.Email, ChannelKind.WhatsApp];

    public static IReadOnlyList<ChannelSettingField> For(ChannelKind channel) => channel switch
    {
        ChannelKind.Messenger => Messenger,
        ChannelKind.Email => Email,
        ChannelKind.WhatsApp => WhatsApp,
        _ => [],
    };

    public static ChannelSettingField? Find(ChannelKind channel, string name) => For(channel).FirstOrDefault(f => f.Name == name);

    private static string Key(ChannelKind channel, string name) => $"Channels:{channel}:{name}";

    // Same path as the dispatcher's "Channels:RatePerSecond:{Channel}", so one value serves both.
    private static ChannelSettingField Rate(ChannelKind channel) =>
        new(channel, "RatePerSecond", "Messages per second", SettingKind.Number, $"Channels:RatePerSecond:{channel}",
            "The provider's send limit (0 = no limit)", 0, 1000);

    private static ChannelSettingField Field(ChannelKind channel, string name, string label, SettingKind kind, string? help = null) =>
        new(channel, name, label, kind, Key(channel, name), help);

    /// <summary>Messenger and WhatsApp both speak Graph: the same settings but for the sender's id.</summary>
    private static IReadOnlyList<ChannelSettingField> Graph(ChannelKind channel, string baseUrlLabel, string idName,
        string idLabel, string? idHelp, params ChannelSettingField[] ids) =>
    [
        Field(channel, "BaseUrl", baseUrlLabel, SettingKind.Url, "https://graph.facebook.com"),
        Field(channel, "ApiVersion", "API version", SettingKind.Text, "For example v26.0"),
        Field(channel, idName, idLabel, SettingKind.Text, idHelp),
        .. ids,
        Field(channel, "AccessToken", channel == ChannelKind.Messenger ? "Page access token" : "Access token", SettingKind.Secret),
        Field(channel, "AppSecret", "App secret", SettingKind.Secret,
            $"Checks the X-Hub-Signature-256 of /webhooks/{channel.ToString().ToLowerInvariant()}"),
        Field(channel, "VerifyToken", "Webhook verify token", SettingKind.Secret, "Answers the webhook verification"),
        Field(channel, "StatusUrl", "Status endpoint (optional)", SettingKind.Url, "Polled as GET {url}/{message id} for deliveries not read yet"),
        Rate(channel),
    ];

    private static readonly IReadOnlyList<ChannelSettingField> Messenger =
        Graph(ChannelKind.Messenger, "Graph API base URL", "PageId", "Page ID", "The page's id, or \"me\" for the token's page");

    private static readonly IReadOnlyList<ChannelSettingField> WhatsApp =
    [
        .. Graph(ChannelKind.WhatsApp, "Cloud API base URL", "PhoneNumberId", "Phone number ID", null,
            Field(ChannelKind.WhatsApp, WhatsAppSettings.BusinessAccountIdName, "WhatsApp Business Account ID", SettingKind.Text,
                "The WABA id in WhatsApp Manager: its message templates are listed from here")),
        new(ChannelKind.WhatsApp, WhatsAppMessagingLimit.SettingName, "Messaging limit (unique contacts per 24 h outside the service window)",
            SettingKind.Number, Key(ChannelKind.WhatsApp, WhatsAppMessagingLimit.SettingName),
            "Your business portfolio's tier in WhatsApp Manager: 250, 2,000, 10,000 or 100,000 (0 = unlimited). "
            + "Beyond it, template sends wait until room returns", 0, 10_000_000),
    ];

    private static readonly IReadOnlyList<ChannelSettingField> Email =
    [
        Field(ChannelKind.Email, "Host", "SMTP host", SettingKind.Text),
        new(ChannelKind.Email, "Port", "SMTP port", SettingKind.Number, Key(ChannelKind.Email, "Port"),
            "587 for STARTTLS, 465 for TLS on connect", 1, 65535),
        new(ChannelKind.Email, "Security", "TLS", SettingKind.Choice, Key(ChannelKind.Email, "Security"), null, 0, 0, Enum.GetNames<SmtpSecurity>()),
        Field(ChannelKind.Email, "UserName", "User name", SettingKind.Text, "Empty for a server without authentication"),
        Field(ChannelKind.Email, EmailSettings.PasswordName, "Password", SettingKind.Secret),
        Field(ChannelKind.Email, "FromAddress", "From address", SettingKind.Email),
        Field(ChannelKind.Email, "FromName", "From name", SettingKind.Text),
        Field(ChannelKind.Email, "ReplyTo", "Reply-to address (optional)", SettingKind.Email),
        Field(ChannelKind.Email, "PublicBaseUrl", "Public URL of BulkSender", SettingKind.Url, "Unsubscribe links point here"),
        new(ChannelKind.Email, "MaxConnections", "SMTP connections", SettingKind.Number, Key(ChannelKind.Email, "MaxConnections"),
            "Kept open and shared by the send workers", 1, 20),
        Rate(ChannelKind.Email),
        new(ChannelKind.Email, "DailyLimit", "Daily limit", SettingKind.Number, Key(ChannelKind.Email, "DailyLimit"),
            "The server's messages per UTC day (0 = none); beyond it, sends wait for the next day", 0, 10_000_000),
    ];
}
