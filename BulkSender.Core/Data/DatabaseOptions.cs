using System.ComponentModel.DataAnnotations;

namespace BulkSender.Core.Data;

/// <summary>Bound to "Database". Connection strings live under "ConnectionStrings" (Sqlite, SqlServer, PostgreSql).</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    [Required]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
}
