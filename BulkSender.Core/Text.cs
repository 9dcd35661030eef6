using System.Globalization;

namespace BulkSender.Core;

public static class Text
{
    /// <summary>"1 batch", "3 batches", "2,000 recipients" (invariant culture, so messages read the same everywhere).</summary>
    public static string Count(int n, string one, string many) =>
        string.Create(CultureInfo.InvariantCulture, $"{n:N0} {(n == 1 ? one : many)}");
}
