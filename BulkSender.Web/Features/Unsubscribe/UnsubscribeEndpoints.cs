using BulkSender.Core.Compliance;

namespace BulkSender.Web.Features.Unsubscribe;

/// <summary>
/// The link at the foot of every e-mail, anonymous: the signed token is the proof. A GET only asks: it shows the masked
/// address and an "Unsubscribe" button, and changes nothing, so the mail filters and link scanners that open every
/// link unsubscribe nobody. A POST opts out: the button's form, and the one-click POST of RFC 8058 that mail
/// providers send to the List-Unsubscribe address (body <c>List-Unsubscribe=One-Click</c>, which is not read, so no
/// antiforgery token is asked for). A missing, forged, altered or repeated token answers 400 with the "not valid" page
/// on GET and POST alike and changes nothing. Pages are never cached (the address is personal).
/// </summary>
public static class UnsubscribeEndpoints
{
    public const string Path = "/unsubscribe";

    public static IEndpointRouteBuilder MapUnsubscribeEndpoints(this IEndpointRouteBuilder app)
    {
        var unsubscribe = app.MapGroup(Path).AllowAnonymous().AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return await next(context);
        });

        unsubscribe.MapGet("", (HttpRequest request, UnsubscribeTokens tokens) =>
            tokens.Read(Token(request)) is { } contact
                ? UnsubscribePage.Confirm(AddressMask.Mask(contact.Channel, contact.Address), Token(request)!)
                : UnsubscribePage.Invalid());

        unsubscribe.MapPost("", async (HttpRequest request, UnsubscribeTokens tokens, OptOuts optOuts, CancellationToken cancellationToken) =>
        {
            if (tokens.Read(Token(request)) is not { } contact)
                return UnsubscribePage.Invalid();
            // Whether or not the contact still exists or had opted out already: the answer is the same.
            await optOuts.OptOutAsync(contact.Channel, contact.Address, "unsubscribe link", cancellationToken);
            return UnsubscribePage.Done();
        }).DisableAntiforgery();

        return app;
    }

    /// <summary>The one token of the query string; none when it is missing or given twice.</summary>
    private static string? Token(HttpRequest request) => request.Query["token"] is { Count: 1 } token ? token[0] : null;
}
