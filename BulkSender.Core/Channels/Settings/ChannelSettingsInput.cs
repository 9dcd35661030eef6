namespace BulkSender.Core.Channels.Settings;

/// <summary>
/// A change of a channel's settings. An empty secret keeps the stored one (the form never holds it); a secret named in
/// <see cref="Clear"/> is removed. An empty or configuration-equal plain value removes the database override.
/// <see cref="Version"/>: the one the form showed, refused when the settings changed since; null saves over any change.
/// </summary>
public sealed record ChannelSettingsInput(ChannelKind Channel, IReadOnlyDictionary<string, string?> Values,
    IReadOnlyCollection<string>? Clear = null, long? Version = null);
