using System.Net;

namespace BulkSender.Web.Features.Unsubscribe;

/// <summary>
/// The three plain pages of an unsubscribe link: the question (masked address and a button), the answer, and "not
/// valid". No script at all; the one style element is allowed by the app's Content Security Policy (style-src
/// 'unsafe-inline', see SecurityHeaders), and the form posts to this app ('self' in form-action). Every page has a
/// body, so the status code pages never replace a 400 with the login page. Not indexed.
/// </summary>
public static class UnsubscribePage
{
    public const string DoneTitle = "You are unsubscribed";
    public const string InvalidTitle = "This link is not valid";

    public static IResult Confirm(string maskedAddress, string token) => Page(StatusCodes.Status200OK, "Unsubscribe?", $"""
        <p>Stop messages from us to <strong data-testid="address">{Encode(maskedAddress)}</strong>?</p>
        <form method="post" action="{Encode(UnsubscribeEndpoints.Path + "?token=" + Uri.EscapeDataString(token))}">
        <button type="submit">Unsubscribe</button>
        </form>
        """);

    public static IResult Done() => Page(StatusCodes.Status200OK, DoneTitle,
        "<p>You will receive no more messages from us at this address.</p>");

    public static IResult Invalid() => Page(StatusCodes.Status400BadRequest, InvalidTitle,
        "<p>The unsubscribe link is incomplete or was altered. Copy the whole link from the e-mail and try again.</p>");

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static IResult Page(int status, string title, string body) => Results.Content($$"""
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex"><title>{{Encode(title)}}</title>
        <style>
        body{font-family:Roboto,Arial,sans-serif;display:flex;justify-content:center;padding-top:15vh;margin:0}
        main{max-width:32rem;padding:0 1rem}
        button{font:inherit;padding:.5rem 1.5rem;border:0;border-radius:4px;background:#594ae2;color:#fff;cursor:pointer}
        </style></head>
        <body><main><h1>{{Encode(title)}}</h1>{{body}}</main></body></html>
        """, "text/html; charset=utf-8", statusCode: status);
}
