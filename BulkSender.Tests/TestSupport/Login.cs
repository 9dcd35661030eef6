using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace BulkSender.Tests.TestSupport;

public static partial class Login
{
    /// <summary>Logs in through the real login form (antiforgery token included), leaving the cookie in the client.</summary>
    public static async Task AsAsync(HttpClient client, string email, string password)
    {
        var response = await PostFormAsync(client, email, password);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Posts the login form as a browser would; the answer is a redirect on success, the page with an error otherwise.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string email, string password)
    {
        var page = await client.GetStringAsync("/account/login");
        var token = AntiforgeryToken().Match(page).Groups[1].Value;
        return await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
    }

    /// <summary>Logs out with the layout's "Log out" form, as a browser would.</summary>
    public static async Task<HttpResponseMessage> LogOutAsync(HttpClient client)
    {
        var page = await client.GetStringAsync("/");
        var token = AntiforgeryToken().Match(page).Groups[1].Value;
        token.ShouldNotBeEmpty("the dashboard shows the Log out form");
        return await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
        }));
    }

    public static async Task<string> BearerTokenAsync(HttpClient client, string email, string password)
    {
        var response = await client.PostAsJsonAsync("/api/auth/login", new { email, password });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<TokenResponse>(TestJson.Options);
        return body!.AccessToken;
    }

    public static void UseBearer(this HttpClient client, string token) =>
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

    private sealed record TokenResponse(string TokenType, string AccessToken, int ExpiresIn, string RefreshToken);

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
