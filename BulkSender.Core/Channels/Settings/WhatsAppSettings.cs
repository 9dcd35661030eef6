namespace BulkSender.Core.Channels.Settings;

/// <summary>WhatsApp Cloud API settings of one business phone number.</summary>
public sealed record WhatsAppSettings(Uri? BaseUrl, string ApiVersion, string? PhoneNumberId, string? AccessToken, string? AppSecret,
    string? VerifyToken, Uri? StatusUrl, double? RatePerSecond)
    : IChannelSettings
{
    public const string AccessTokenName = "AccessToken";
    public const string BusinessAccountIdName = "BusinessAccountId";

    /// <summary>The WhatsApp Business Account (WABA) whose message templates are listed.</summary>
    public string? BusinessAccountId { get; init; }

    /// <summary>Enough to list the account's templates: a base URL, the business account id and an access token.</summary>
    public bool CanListTemplates => BaseUrl is not null && BusinessAccountId is not null && AccessToken is not null;

    /// <summary>Enough to send: a base URL, a phone number id and an access token.</summary>
    public bool IsConfigured => BaseUrl is not null && PhoneNumberId is not null && AccessToken is not null;

    public string Requirement => "set the Cloud API base URL, the phone number id and the access token in Settings.";

    public static WhatsAppSettings From(ChannelSettingValues v) => new(
        v.Url("BaseUrl"), v.Text("ApiVersion") ?? MessengerSettings.DefaultApiVersion, v.Text("PhoneNumberId"), v.Text(AccessTokenName),
        v.Text("AppSecret"), v.Text("VerifyToken"), v.Url("StatusUrl"), v.Number("RatePerSecond"))
    {
        BusinessAccountId = v.Text(BusinessAccountIdName),
    };
}
