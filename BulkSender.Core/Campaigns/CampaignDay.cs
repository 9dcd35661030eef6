namespace BulkSender.Core.Campaigns;

/// <summary>The history row of one campaign day.</summary>
public sealed class CampaignDay
{
    public int Id { get; set; }
    public int CampaignId { get; set; }
    public int DayNumber { get; set; }
    public int BatchId { get; set; }
    public DateTime ReleasedAt { get; set; }

    /// <summary>Recipients still unprocessed after this day's batch was cut.</summary>
    public int RemainingAfter { get; set; }
}
