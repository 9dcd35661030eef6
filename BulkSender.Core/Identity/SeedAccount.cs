using System.ComponentModel.DataAnnotations;

namespace BulkSender.Core.Identity;

public sealed class SeedAccount
{
    [Required, EmailAddress] public string Email { get; set; } = "";
    [Required, MinLength(8)] public string Password { get; set; } = "";
}
