namespace BulkSender.Core.Channels.Settings;

/// <summary>Graph Send API settings of the Messenger page.</summary>
public sealed record MessengerSettings(Uri? BaseUrl, string ApiVersion, string PageId, string? AccessToken, string? AppSecret,
    string? VerifyToken, Uri? StatusUrl, double? RatePerSecond)
    : IChannelSettings
{
    public const string AccessTokenName = "AccessToken";

    /// <summary>The current Graph API version (v25.0 is supported until 2028-07).</summary>
    public const string DefaultApiVersion = "v26.0";

    /// <summary>Enough to send: a base URL and a page access token.</summary>
    public bool IsConfigured => BaseUrl is not null && AccessToken is not null;

    public string Requirement => "set the Graph API base URL and the page access token in Settings.";

    public static MessengerSettings From(ChannelSettingValues v) => new(
        v.Url("BaseUrl"), v.Text("ApiVersion") ?? DefaultApiVersion, v.Text("PageId") ?? "me", v.Text(AccessTokenName),
        v.Text("AppSecret"), v.Text("VerifyToken"), v.Url("StatusUrl"), v.Number("RatePerSecond"));
}
