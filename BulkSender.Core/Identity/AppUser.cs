using Microsoft.AspNetCore.Identity;

namespace BulkSender.Core.Identity;

public sealed class AppUser : IdentityUser
{
    public string? DisplayName { get; set; }
    public bool IsDisabled { get; set; }
}

public static class Roles
{
    public const string Admin = "Admin";
    public const string Operator = "Operator";
    public static readonly string[] All = [Admin, Operator];
}
