namespace BulkSender.Core.Channels.Settings;

public enum SettingSource
{
    NotSet,
    Configuration,
    Database,
}
