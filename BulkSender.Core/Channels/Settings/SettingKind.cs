namespace BulkSender.Core.Channels.Settings;

public enum SettingKind
{
    Text,
    Secret,
    Url,
    Number,
    Email,
    Choice,
}
