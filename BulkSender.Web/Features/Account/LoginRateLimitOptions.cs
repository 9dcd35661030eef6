using System.ComponentModel.DataAnnotations;

namespace BulkSender.Web.Features.Account;

/// <summary>Bound to "LoginRateLimit": login attempts allowed per client address.</summary>
public sealed class LoginRateLimitOptions
{
    public const string Section = "LoginRateLimit";

    /// <summary>Attempts in a row before the limit applies.</summary>
    [Range(1, 100_000)] public int Burst { get; set; } = 100;

    /// <summary>Attempts per minute after that (spread evenly: one every 60 / PerMinute seconds).</summary>
    [Range(1, 100_000)] public int PerMinute { get; set; } = 30;
}
