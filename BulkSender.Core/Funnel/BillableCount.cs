namespace BulkSender.Core.Funnel;

/// <summary>How many of a message's WhatsApp deliveries Meta bills in one pricing category (marketing, utility, …).</summary>
public sealed record BillableCount(string Category, int Count);
