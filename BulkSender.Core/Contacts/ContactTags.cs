using System.Text.RegularExpressions;

namespace BulkSender.Core.Contacts;

public static partial class ContactTags
{
    public const int MaxLength = 64;

    public static IReadOnlyList<string> Parse(string? text) =>
        (text ?? "").Split([';', ',', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => t.ToLowerInvariant())
            .Distinct()
            .ToList();

    public static bool IsValid(string tag) => tag.Length is > 0 and <= MaxLength && TagPattern().IsMatch(tag);

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_\-]*$")]
    private static partial Regex TagPattern();
}
