using System.Globalization;
using BulkSender.Core.Compliance;
using BulkSender.Core.Data;
using BulkSender.Core.Messages;
using CsvHelper;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Retries;

/// <summary>One recipient whose latest attempt failed.</summary>
public sealed record FailedRecipient(
    long DeliveryId,
    int? ContactId,
    string? Name,
    string Address,
    string? ErrorCode,
    string? ErrorMessage,
    ErrorType? ErrorType,
    int Attempts,
    DateTime? FailedAt,
    string? NotRetryableReason)
{
    public bool Retryable => NotRetryableReason is null;
}

public sealed record FailedRecipientsReport(
    int MessageId,
    string Title,
    MessageStatus Status,
    int Sent,
    int Failed,
    int Total,
    int Retryable,
    int MaxAttempts,
    RetryPolicyType Policy,
    int RetryCount,
    DateTime? NextRetryAt,
    IReadOnlyDictionary<ErrorType, int> ErrorTypeCounts,
    IReadOnlyList<FailedRecipient> Recipients);

/// <summary>The failed-recipients view and its export: counts, error types, and every recipient whose latest attempt failed.</summary>
public sealed class FailedRecipientQueries(IDbContextFactory<AppDbContext> dbs)
{
    public async Task<FailedRecipientsReport?> GetAsync(int messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var message = await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == messageId, cancellationToken);
        if (message is null)
            return null;

        // The contact by a LEFT JOIN on its key (a correlated FirstOrDefault becomes a ROW_NUMBER over every contact on SQLite).
        var rows = await (
                from d in RetryRules.LatestFailed(db, messageId)
                join c in db.Contacts on d.ContactId equals c.Id into contacts
                from c in contacts.DefaultIfEmpty()
                orderby d.ErrorType, d.RecipientName, d.Id
                select new
                {
                    d.Id,
                    d.ContactId,
                    d.RecipientName,
                    d.RecipientAddress,
                    d.ErrorCode,
                    d.ErrorMessage,
                    d.ErrorType,
                    d.AttemptNumber,
                    d.FailedAt,
                    Contact = c == null ? null : new { c.OptedOut, c.Name, c.Address, c.LastInboundAt },
                })
            .ToListAsync(cancellationToken);
        var recipients = rows.Select(r => new FailedRecipient(
            r.Id, r.ContactId, r.Contact?.Name ?? r.RecipientName, r.Contact?.Address ?? r.RecipientAddress, r.ErrorCode, r.ErrorMessage,
            r.ErrorType, r.AttemptNumber, r.FailedAt,
            RetryRules.NotRetryableReason(r.ErrorType, r.AttemptNumber, message.MaxAttempts, r.Contact is not null, r.Contact?.OptedOut == true,
                MessagingWindow.WaitsForInbound(r.ErrorCode, r.FailedAt, r.Contact?.LastInboundAt)))).ToList();
        var retryable = await RetryRules.Retryable(db, messageId, message.MaxAttempts).CountAsync(cancellationToken);

        return new FailedRecipientsReport(message.Id, message.Title, message.Status, message.SentCount, recipients.Count, message.TotalRecipients,
            retryable, message.MaxAttempts, message.RetryPolicy, message.RetryCount, message.NextRetryAt,
            recipients.Where(r => r.ErrorType is not null).GroupBy(r => r.ErrorType!.Value).ToDictionary(g => g.Key, g => g.Count()),
            recipients);
    }

    /// <summary>The failed list as CSV (values that a spreadsheet would run as formulas are escaped).</summary>
    public static async Task WriteCsvAsync(FailedRecipientsReport report, Stream destination, CancellationToken cancellationToken)
    {
        await using var csv = CsvWriter.Create(destination, CsvWriterOptions.Default with { Injection = CsvInjection.Escape }, leaveOpen: true);
        csv.WriteHeader(["name", "address", "error_type", "error_code", "error_message", "attempts", "failed_at",
            "retryable", "not_retryable_reason"]);
        foreach (var r in report.Recipients)
            await csv.WriteRecordAsync([
                r.Name ?? "", r.Address, ErrorTypes.Name(r.ErrorType), r.ErrorCode ?? "", r.ErrorMessage ?? "",
                r.Attempts.ToString(CultureInfo.InvariantCulture), r.FailedAt?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "",
                r.Retryable ? "yes" : "no", r.NotRetryableReason ?? "",
            ], cancellationToken);
        await csv.FlushAsync(cancellationToken);
    }
}

/// <summary>The API's names of error types (access_token, rate_limit, …).</summary>
public static class ErrorTypes
{
    public static string Name(ErrorType? type) => type switch
    {
        ErrorType.AccessToken => "access_token",
        ErrorType.RateLimit => "rate_limit",
        ErrorType.InvalidRecipient => "invalid_recipient",
        ErrorType.Network => "network",
        ErrorType.Permission => "permission",
        ErrorType.Other => "other",
        _ => "",
    };

    public static bool TryParse(string? name, out ErrorType type)
    {
        foreach (var candidate in Enum.GetValues<ErrorType>())
            if (string.Equals(Name(candidate), name?.Trim(), StringComparison.OrdinalIgnoreCase)
                || string.Equals(candidate.ToString(), name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                type = candidate;
                return true;
            }
        type = default;
        return false;
    }

    public static string Label(ErrorType type) => type switch
    {
        ErrorType.AccessToken => "Access token",
        ErrorType.RateLimit => "Rate limit",
        ErrorType.InvalidRecipient => "Invalid recipient",
        ErrorType.Network => "Network",
        ErrorType.Permission => "Permission",
        _ => "Other",
    };
}
