using BulkSender.Core.Data;
using BulkSender.Web.Components;
using BulkSender.Web.Features.Account;
using BulkSender.Web.Features.ApiReference;
using BulkSender.Web.Features.Contacts;
using BulkSender.Web.Features.Health;
using BulkSender.Web.Features.Messages;
using BulkSender.Web.Features.Security;
using BulkSender.Web.Features.Shared;
using Microsoft.Extensions.Configuration.Json;
using MudBlazor.Services;

namespace BulkSender.Web;

public static class WebRegistration
{
    /// <summary>
    /// The one configuration file is appsettings.json at the repository root; the build copies it next to the app.
    /// It goes in before environment variables and the command line, so those still override it.
    /// </summary>
    public static WebApplicationBuilder AddRepositoryConfiguration(this WebApplicationBuilder builder)
    {
        var file = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        var sources = builder.Configuration.Sources;
        var lastJson = sources.Select((s, i) => (s, i)).LastOrDefault(x => x.s is JsonConfigurationSource).i;
        var source = new JsonConfigurationSource { Path = file, Optional = false, ReloadOnChange = false };
        source.ResolveFileProvider();
        sources.Insert(lastJson + 1, source);
        return builder;
    }

    /// <summary>The dashboard and the HTTP surface: components, auth, health.</summary>
    public static WebApplicationBuilder AddBulkSenderWeb(this WebApplicationBuilder builder)
    {
        // Serve _content/ and _framework/ from the build output in every environment, not only Development
        // (a published app has no manifest and this does nothing).
        builder.WebHost.UseStaticWebAssets();

        var services = builder.Services;
        services.AddRazorComponents().AddInteractiveServerComponents();
        // Bottom right: a send's summary stays until read, and must not cover the page's own buttons at the top.
        services.AddMudServices(o => o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        services.AddBulkSenderAuth(builder.Environment);
        services.AddDataProtectionKeys(builder.Configuration, builder.Environment.ContentRootPath);
        services.AddSecurityHeaders(builder.Environment);
        services.AddReverseProxySupport(builder.Configuration);
        services.AddScoped<ContactSelection>();
        services.AddMessagesFeature();
        services.AddProblemDetails();
        services.AddApiProblems();
        services.AddApiReference();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<JobServerHealthCheck>("jobs");
        return builder;
    }

    public static async Task InitializeDatabaseAsync(this WebApplication app)
    {
        await app.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync(app.Lifetime.ApplicationStopping);
    }

    public static WebApplication UseBulkSenderWeb(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseSecurityHeaders();
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler(new ExceptionHandlerOptions
            {
                ExceptionHandlingPath = "/error",
                CreateScopeForErrors = true,
                StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
            });

        // Friendly pages for people; machines (API, hubs, jobs, health, webhooks) get JSON ProblemDetails for every error.
        app.UseWhen(ctx => MachinePaths.Matches(ctx.Request.Path), a => a.UseApiProblems());
        app.UseWhen(ctx => !MachinePaths.Matches(ctx.Request.Path),
            a => a.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));

        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseBearerTokenRevalidation();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
