using System.ComponentModel.DataAnnotations;
using BulkSender.Core.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace BulkSender.Web.Features.Account;

public static class AccountEndpoints
{
    public sealed record LoginRequest(string Email, string Password);

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/logout", async (SignInManager<AppUser> signIn, [FromForm] string? returnUrl) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect(AuthRegistration.LoginPath);
        });

        // A bearer token for scripts and integrators: { "email", "password" } → { tokenType, accessToken, expiresIn, refreshToken }.
        app.MapPost("/api/auth/login", async Task<Results<SignInHttpResult, ValidationProblem, UnauthorizedHttpResult>> (
            LoginRequest request, UserManager<AppUser> users, SignInManager<AppUser> signIn) =>
        {
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(request.Email) || !new EmailAddressAttribute().IsValid(request.Email))
                errors["email"] = ["Enter the e-mail address of your account."];
            if (string.IsNullOrEmpty(request.Password))
                errors["password"] = ["Enter your password."];
            if (errors.Count > 0)
                return TypedResults.ValidationProblem(errors);

            var user = await users.FindByEmailAsync(request.Email);
            if (user is null || user.IsDisabled)
                return TypedResults.Unauthorized();
            var check = await signIn.CheckPasswordSignInAsync(user, request.Password, lockoutOnFailure: true);
            if (!check.Succeeded)
                return TypedResults.Unauthorized();
            var principal = await signIn.CreateUserPrincipalAsync(user);
            return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
        }).AllowAnonymous();

        return app;
    }
}
