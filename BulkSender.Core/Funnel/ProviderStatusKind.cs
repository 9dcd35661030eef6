namespace BulkSender.Core.Funnel;

public enum ProviderStatusKind
{
    Sent,
    Delivered,
    Read,
    Failed,
}
