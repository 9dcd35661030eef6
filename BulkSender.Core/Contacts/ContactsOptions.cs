using System.ComponentModel.DataAnnotations;

namespace BulkSender.Core.Contacts;

/// <summary>Bound to "Contacts".</summary>
public sealed class ContactsOptions
{
    public const string Section = "Contacts";

    /// <summary>The largest CSV file an import accepts (100,000 rows are about 6 MB).</summary>
    [Range(1024, 512L * 1024 * 1024)]
    public long MaxImportBytes { get; set; } = 20 * 1024 * 1024;
}
