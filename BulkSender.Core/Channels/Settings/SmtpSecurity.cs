namespace BulkSender.Core.Channels.Settings;

public enum SmtpSecurity
{
    None,
    StartTls,
    SslOnConnect,
}
