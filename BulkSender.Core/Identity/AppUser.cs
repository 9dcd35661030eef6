using Microsoft.AspNetCore.Identity;

namespace BulkSender.Core.Identity;

public sealed class AppUser : IdentityUser
{
    public string? DisplayName { get; set; }
    public bool IsDisabled { get; set; }
}
