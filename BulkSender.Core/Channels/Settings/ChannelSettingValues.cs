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
