using System.Security.Claims;
using BulkSender.Core.Activity;

namespace BulkSender.Web.Features.Shared;

public static class ClaimsPrincipalExtensions
{
    /// <summary>The signed-in user as the activity log records them.</summary>
    public static Actor ToActor(this ClaimsPrincipal user) =>
        new(user.FindFirstValue(ClaimTypes.NameIdentifier), user.Identity?.Name);
}
