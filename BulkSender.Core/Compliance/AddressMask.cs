using BulkSender.Core.Channels;

namespace BulkSender.Core.Compliance;

/// <summary>
/// An address shown to whoever holds a link (the unsubscribe page): enough for its owner to recognize it, too little for
/// anyone else to learn it. The hidden part is always three dots, whatever its length.
/// E-mail keeps the first two characters of the local part (one when it has two or three, none when it has one) and
/// the whole domain: <c>an•••@example.com</c>. A phone number (WhatsApp) keeps its "+" and last three digits:
/// <c>+•••123</c>. A Messenger page-scoped id keeps its last three digits: <c>•••345</c>. Anything shorter than
/// seven characters keeps nothing but the "+".
/// </summary>
public static class AddressMask
{
    public const string Hidden = "•••";

    public static string Mask(ChannelKind channel, string address) => channel switch
    {
        ChannelKind.Email => MaskEmail(address),
        ChannelKind.WhatsApp => (address.StartsWith('+') ? "+" : "") + Hidden + Tail(address.TrimStart('+')),
        _ => Hidden + Tail(address),
    };

    private static string MaskEmail(string address)
    {
        var at = address.LastIndexOf('@');
        if (at < 0)
            return Hidden + Tail(address);
        var local = address[..at];
        var shown = Math.Min(2, local.Length / 2);
        return local[..shown] + Hidden + address[at..];
    }

    private static string Tail(string text) => text.Length >= 7 ? text[^3..] : "";
}
