using BulkSender.Core.Messages;

namespace BulkSender.Core.Campaigns;

/// <summary>A daily-limited send: at most <see cref="DailyLimit"/> recipients a day, a batch every 24 hours.</summary>
public sealed class Campaign
{
    public int Id { get; set; }
    public int MessageId { get; set; }
    public Message? Message { get; set; }
    public int DailyLimit { get; set; }
    public CampaignStatus Status { get; set; }
    public DateTime StartAt { get; set; }

    /// <summary>When the next day's batch is due (UTC); the database, not a job, is the truth.</summary>
    public DateTime? NextBatchAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }

    public List<CampaignDay> Days { get; set; } = [];
}
