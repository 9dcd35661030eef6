using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels.Errors;

/// <summary>
/// One row of a channel's <see cref="ErrorTable"/>: a provider error code (a range when <see cref="LastCode"/> is
/// set; with <see cref="Subcode"/> only that subcode), the error type it is recorded as, what the pipeline does, and
/// the reason an operator reads before the provider's own message.
/// </summary>
public sealed record ErrorRule(int Code, int? Subcode, ErrorType Type, ErrorAction Action, string? Reason = null)
{
    /// <summary>The last code of a range that starts at <see cref="Code"/>; the code itself when not a range.</summary>
    public int LastCode { get; init; } = Code;

    /// <summary>How long a <see cref="ErrorAction.RetryLater"/> failure waits before it may be retried.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public bool Matches(GraphError error) =>
        error.Code >= Code && error.Code <= LastCode && (Subcode is null || Subcode == error.Subcode);

    /// <summary>"131049", "10/1893063" or "200–299", as the README's table shows it.</summary>
    public string CodeText => (LastCode != Code ? $"{Code}–{LastCode}" : $"{Code}") + (Subcode is { } s ? $"/{s}" : "");
}
