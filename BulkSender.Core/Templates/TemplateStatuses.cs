namespace BulkSender.Core.Templates;

/// <summary>The template statuses Meta reports; only approved templates can be sent.</summary>
public static class TemplateStatuses
{
    public const string Approved = "APPROVED";

    public static bool IsApproved(string status) => string.Equals(status, Approved, StringComparison.OrdinalIgnoreCase);
}
