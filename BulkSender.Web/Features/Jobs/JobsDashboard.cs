using BulkSender.Core.Identity;
using BulkSender.Web.Features.Account;
using Hangfire;
using Hangfire.Dashboard;

namespace BulkSender.Web.Features.Jobs;

public static class JobsDashboard
{
    public const string Path = "/hangfire";

    /// <summary>The Hangfire dashboard, for admins only: the endpoint policy and the dashboard's own filter both check.</summary>
    public static IEndpointRouteBuilder MapJobsDashboard(this IEndpointRouteBuilder app)
    {
        app.MapHangfireDashboard(Path, new DashboardOptions
        {
            DashboardTitle = "BulkSender jobs",
            AppPath = "/",
            Authorization = [new AdminOnlyFilter()],
            DisplayStorageConnectionString = false,
        }).RequireAuthorization(Policies.Admin);
        return app;
    }

    private sealed class AdminOnlyFilter : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(Roles.Admin);
    }
}
