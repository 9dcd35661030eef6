namespace BulkSender.Core.Funnel;

/// <summary>
/// A send's delivery funnel, one count per recipient (its latest attempt): Sent → Delivered → Read → Replied → Closed,
/// with the failed ones and all recipients beside. A later stage counts in the earlier ones (read implies delivered).
/// </summary>
public sealed record MessageFunnel(int Total, int Sent, int Delivered, int Read, int Replied, int Closed, int Failed)
{
    public static readonly MessageFunnel Empty = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>The stages in order, with their counts, for charts and lists.</summary>
    public IReadOnlyList<(string Stage, int Count)> Stages =>
        [("Sent", Sent), ("Delivered", Delivered), ("Read", Read), ("Replied", Replied), ("Closed", Closed)];

    /// <summary>A count as a percentage of Sent (0–100, one decimal; 0 while nothing was sent).</summary>
    public double PercentOfSent(int count) => Sent == 0 ? 0 : Math.Round(100.0 * count / Sent, 1);
}
