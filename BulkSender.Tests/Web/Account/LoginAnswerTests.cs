using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using BulkSender.Core.Identity;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Account;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.Account;

/// <summary>The login form and POST /api/auth/login never tell which e-mails have accounts: not by the answer, not by the work.</summary>
[Collection(AppCollection.Name)]
public sealed partial class LoginAnswerTests(AppFixture app)
{
    private async Task<string> FormAnswerAsync(string email, string password)
    {
        using var client = app.NewClient();
        var response = await Login.PostFormAsync(client, email, password);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "no cookie was set");
        return LoginError().Match(await response.Content.ReadAsStringAsync()).Groups[1].Value;
    }

    [Fact]
    public async Task A_disabled_account_an_unknown_email_and_a_wrong_password_get_the_same_answer()
    {
        var disabled = await app.NewAccountAsync(Roles.Operator);
        await app.ChangeUserAsync(a => a.SetDisabledAsync(disabled.Id, true, Accounts.Admin, CancellationToken.None));

        var wrongPassword = await FormAnswerAsync(AppFixture.OperatorEmail, "not-the-password");
        var unknownEmail = await FormAnswerAsync("nobody-here@test.local", "not-the-password");
        var disabledRightPassword = await FormAnswerAsync(disabled.Email, disabled.Password);
        var disabledWrongPassword = await FormAnswerAsync(disabled.Email, "not-the-password");

        wrongPassword.ShouldBe("Wrong e-mail or password.");
        new[] { unknownEmail, disabledRightPassword, disabledWrongPassword }.ShouldAllBe(answer => answer == wrongPassword);
        using var client = app.NewClient();
        var apiAnswers = new List<string>();
        foreach (var (email, password) in new[]
            { (AppFixture.OperatorEmail, "not-the-password"), ("nobody-here@test.local", "x"), (disabled.Email, disabled.Password) })
        {
            var api = await client.PostAsJsonAsync("/api/auth/login", new { email, password });
            api.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            apiAnswers.Add(await ProblemWithoutTraceIdAsync(api));
        }
        apiAnswers[0].ShouldBe("""{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.2","title":"Unauthorized","status":401}""");
        apiAnswers.ShouldAllBe(answer => answer == apiAnswers[0]);
    }

    /// <summary>The API's ProblemDetails body with the per-request trace id taken out: what is left is the answer itself.</summary>
    private static async Task<string> ProblemWithoutTraceIdAsync(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        problem.Remove("trace_id");
        return problem.ToJsonString();
    }

    [Fact]
    public async Task Unknown_and_known_emails_each_cost_one_password_hash_verification()
    {
        var locked = await app.NewAccountAsync(Roles.Operator);
        var disabled = await app.NewAccountAsync(Roles.Operator);
        await app.ChangeUserAsync(a => a.SetDisabledAsync(disabled.Id, true, Accounts.Admin, CancellationToken.None));
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            await users.SetLockoutEndDateAsync((await users.FindByIdAsync(locked.Id))!, DateTimeOffset.UtcNow.AddHours(1));
        }
        var attempts = new (string Email, string Password, LoginOutcome Expected)[]
        {
            ("nobody-here@test.local", "some-password", LoginOutcome.Refused),
            (AppFixture.OperatorEmail, "not-the-password", LoginOutcome.Refused),
            (disabled.Email, disabled.Password, LoginOutcome.Refused),
            (locked.Email, locked.Password, LoginOutcome.LockedOut),
            (AppFixture.OperatorEmail, AppFixture.OperatorPassword, LoginOutcome.Succeeded),
        };

        foreach (var (email, password, expected) in attempts)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var hasher = new CountingHasher(users.PasswordHasher);
            users.PasswordHasher = hasher;

            var check = await scope.ServiceProvider.GetRequiredService<PasswordLogin>().CheckAsync(email, password);

            check.Outcome.ShouldBe(expected, email);
            hasher.Verifications.ShouldBe(1, $"{email}: one hash verification, whoever asks");
        }
    }

    /// <summary>The app's own hasher, counting its verifications.</summary>
    private sealed class CountingHasher(IPasswordHasher<AppUser> inner) : IPasswordHasher<AppUser>
    {
        public int Verifications { get; private set; }

        public string HashPassword(AppUser user, string password) => inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(AppUser user, string hashedPassword, string providedPassword)
        {
            Verifications++;
            return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    [GeneratedRegex("data-testid=\"login-error\"[^>]*>(?:<[^>]+>|\\s)*([^<\\s][^<]*)<")]
    private static partial Regex LoginError();
}
