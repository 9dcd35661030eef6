namespace BulkSender.Web.Features.Account;

public static class Policies
{
    public const string Admin = "Admin";

    /// <summary>Cookie for the dashboard, bearer token (from POST /api/auth/login) for scripts.</summary>
    public const string CookieOrBearer = "CookieOrBearer";
}
