using System.ComponentModel.DataAnnotations;

namespace BulkSender.Core.Identity;

/// <summary>Bound to "Seed": the two accounts created on first start, and whether to add demo contacts.</summary>
public sealed class SeedOptions
{
    public const string Section = "Seed";
    public const string DefaultAdminPassword = "Admin123!";
    public const string DefaultOperatorPassword = "Operator123!";

    [Required] public SeedAccount Admin { get; set; } = new() { Email = "admin@bulksender.local", Password = DefaultAdminPassword };
    [Required] public SeedAccount Operator { get; set; } = new() { Email = "operator@bulksender.local", Password = DefaultOperatorPassword };

    /// <summary>Demo contacts added to an empty database (0 for none).</summary>
    [Range(0, 1_000_000)] public int DemoContacts { get; set; } = 5000;
}
