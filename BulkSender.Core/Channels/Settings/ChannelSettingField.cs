using System.Globalization;
using System.Net.Mail;

namespace BulkSender.Core.Channels.Settings;

/// <summary>
/// One setting of a channel. <see cref="Key"/> is both the configuration path (appsettings.json, environment) and the
/// key of the database row that overrides it.
/// </summary>
public sealed record ChannelSettingField(
    ChannelKind Channel,
    string Name,
    string Label,
    SettingKind Kind,
    string Key,
    string? Help = null,
    double Min = 0,
    double Max = 0,
    IReadOnlyList<string>? Choices = null)
{
    public bool IsSecret => Kind == SettingKind.Secret;

    /// <summary>Null when <paramref name="value"/> (non-empty, trimmed) is acceptable for this field, else why not.</summary>
    public string? Problem(string value)
    {
        switch (Kind)
        {
            case SettingKind.Url when !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"):
                return $"{Label}: enter an absolute http:// or https:// URL.";
            case SettingKind.Email when !MailAddress.TryCreate(value, out var parsed) || parsed.Address != value:
                return $"{Label}: '{value}' is not a valid e-mail address.";
            case SettingKind.Number when !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                || number < Min || number > Max:
                return $"{Label}: enter a number from {Min.ToString(CultureInfo.InvariantCulture)} to {Max.ToString(CultureInfo.InvariantCulture)}.";
            case SettingKind.Choice when Choices is not null && !Choices.Contains(value):
                return $"{Label}: choose one of {string.Join(", ", Choices)}.";
            case SettingKind.Text or SettingKind.Secret when value.Length > 2000:
                return $"{Label}: at most 2,000 characters.";
            default:
                return null;
        }
    }
}
