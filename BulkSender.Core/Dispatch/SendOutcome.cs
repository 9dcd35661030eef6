using System.Globalization;
using BulkSender.Core.Messages;

namespace BulkSender.Core.Dispatch;

/// <summary>The final status and summary of a send once no batch is pending or running.</summary>
public sealed record SendOutcome(MessageStatus Status, string Summary)
{
    /// <summary>
    /// Cancelled stays Cancelled; otherwise all sent → Sent, some failed → PartiallySent, none sent → Failed.
    /// Skipped recipients (opted out mid-send) are neither sent nor failed.
    /// </summary>
    public static SendOutcome Decide(bool cancelled, int total, int sent, int failed, int skipped, int batches)
    {
        if (cancelled)
        {
            var notSent = Math.Max(0, total - sent - failed - skipped);
            return new SendOutcome(MessageStatus.Cancelled, string.Create(CultureInfo.InvariantCulture,
                $"Cancelled. Sent to {Text.Count(sent, "recipient", "recipients")}. {failed:N0} failed. {notSent:N0} not sent."));
        }

        var status = (sent, failed) switch
        {
            ( > 0, 0) => MessageStatus.Sent,
            ( > 0, > 0) => MessageStatus.PartiallySent,
            _ => MessageStatus.Failed,
        };
        var skippedText = skipped > 0 ? string.Create(CultureInfo.InvariantCulture, $" {skipped:N0} skipped (opted out).") : "";
        return new SendOutcome(status, string.Create(CultureInfo.InvariantCulture,
            $"Sent to {Text.Count(sent, "recipient", "recipients")}. {failed:N0} failed.{skippedText} " +
            $"Processed in {Text.Count(batches, "batch", "batches")}."));
    }
}
