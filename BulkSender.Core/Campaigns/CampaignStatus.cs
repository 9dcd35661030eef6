namespace BulkSender.Core.Campaigns;

public enum CampaignStatus
{
    Active,
    Paused,
    Completed,
    Cancelled,
}
