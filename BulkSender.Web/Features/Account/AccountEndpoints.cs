using System.ComponentModel.DataAnnotations;
using BulkSender.Core.Identity;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace BulkSender.Web.Features.Account;

public static class AccountEndpoints
{
    public sealed record LoginRequest(string Email, string Password);

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        // The session ends on the server too: a copy of the cookie taken before is refused (BrowserSessions).
        app.MapPost("/account/logout", async (HttpContext http, BrowserSessions sessions, SignInManager<AppUser> signIn,
            [FromForm] string? returnUrl) =>
        {
            await sessions.EndAsync(http.User, http.RequestAborted);
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect(AuthRegistration.LoginPath);
        });

        // A bearer token for scripts and integrators: { "email", "password" } → { token_type, access_token, expires_in, refresh_token }.
        app.MapPost("/api/auth/login", async Task<Results<SignInHttpResult, ValidationProblem, UnauthorizedHttpResult>> (
            LoginRequest request, PasswordLogin logins, SignInManager<AppUser> signIn) =>
        {
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(request.Email) || !new EmailAddressAttribute().IsValid(request.Email))
                errors["email"] = ["Enter the e-mail address of your account."];
            if (string.IsNullOrEmpty(request.Password))
                errors["password"] = ["Enter your password."];
            if (errors.Count > 0)
                return TypedResults.ValidationProblem(errors);

            if (await logins.CheckAsync(request.Email, request.Password) is not { Outcome: LoginOutcome.Succeeded, User: { } user })
                return TypedResults.Unauthorized();
            var principal = await signIn.CreateUserPrincipalAsync(user);
            return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
        }).AllowAnonymous().RequireRateLimiting(LoginRateLimit.Policy)
            .Produces<AccessTokenResponse>().WithTags("Account");

        return app;
    }
}
