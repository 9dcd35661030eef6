namespace BulkSender.Core.Settings;

/// <summary>
/// The version of settings edited together on one form (a channel's settings, the retry defaults). A form keeps the
/// version it showed; a save that brings an older one is refused. One row per group, made by the migrations, so no
/// save ever has to insert it.
/// </summary>
public sealed class SettingGroup
{
    public required string Name { get; set; }
    public long Version { get; set; }
}
