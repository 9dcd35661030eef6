using System.Net;
using BulkSender.Core.Compliance;

namespace BulkSender.Web.Features.Unsubscribe;

/// <summary>
/// The link at the foot of every e-mail. Anonymous: the signed token is the proof. GET opts out and shows a plain
/// page; POST is the one-click form of RFC 8058 (List-Unsubscribe-Post) that mail clients send.
/// A forged or altered token changes nothing.
/// </summary>
public static class UnsubscribeEndpoints
{
    public const string Path = "/unsubscribe";

    public static IEndpointRouteBuilder MapUnsubscribeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (string? token, UnsubscribeTokens tokens, OptOuts optOuts, CancellationToken cancellationToken) =>
            await OptOutAsync(token, tokens, optOuts, cancellationToken)
                ? Page(StatusCodes.Status200OK, "You are unsubscribed", "You will receive no more messages from us at this address.")
                : Page(StatusCodes.Status400BadRequest, "This link is not valid", "The unsubscribe link is incomplete or was altered. Copy the whole link from the e-mail and try again."))
            .AllowAnonymous();

        app.MapPost(Path, async (string? token, UnsubscribeTokens tokens, OptOuts optOuts, CancellationToken cancellationToken) =>
            await OptOutAsync(token, tokens, optOuts, cancellationToken) ? Results.Ok() : Results.BadRequest())
            .AllowAnonymous().DisableAntiforgery();

        return app;
    }

    /// <summary>True for a valid token, whether or not the contact still exists or had opted out already.</summary>
    private static async Task<bool> OptOutAsync(string? token, UnsubscribeTokens tokens, OptOuts optOuts, CancellationToken cancellationToken)
    {
        if (tokens.Read(token) is not { } contact)
            return false;
        await optOuts.OptOutAsync(contact.Channel, contact.Address, "unsubscribe link", cancellationToken);
        return true;
    }

    private static IResult Page(int status, string title, string text) => Results.Content($"""
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{WebUtility.HtmlEncode(title)}</title></head>
        <body style="font-family:Roboto,Arial,sans-serif;display:flex;justify-content:center;padding-top:15vh">
        <div><h1>{WebUtility.HtmlEncode(title)}</h1><p>{WebUtility.HtmlEncode(text)}</p></div>
        </body></html>
        """, "text/html; charset=utf-8", statusCode: status);
}
