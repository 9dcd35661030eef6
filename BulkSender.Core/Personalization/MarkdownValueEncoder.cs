using System.Buffers;
using System.Text.Encodings.Web;

namespace BulkSender.Core.Personalization;

/// <summary>
/// Writes a contact's value into a Markdown text so that it stays text: every ASCII punctuation character is
/// backslash-escaped (CommonMark: any ASCII punctuation may be), so <c>&lt;b&gt;x&lt;/b&gt;</c>,
/// <c>[a](javascript:…)</c>, <c>**x**</c> or <c># x</c> in a value is shown as written, never read as markup. A value
/// that is one plain http(s) URL is written as it is: a link in running text, or the destination of
/// <c>[text]({{ url }})</c>.
/// </summary>
/// <remarks>
/// The Liquid renderer hands each value to the encoder (Fluid's <c>Render(context, encoder)</c>); the text around
/// the values is the operator's Markdown and is not encoded. In a code span a value keeps its backslashes: Markdown
/// does not read escapes there.
/// </remarks>
public sealed class MarkdownValueEncoder : TextEncoder
{
    public static readonly MarkdownValueEncoder Instance = new();

    /// <summary>What a URL written as it is may not hold: spaces, and what could open or close markup.</summary>
    private static readonly SearchValues<char> NotInPlainUrl = SearchValues.Create(" \t\r\n<>()[]*`\\\"'~|{}");

    private MarkdownValueEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 2;

    /// <summary>ASCII punctuation and symbols (<c>!</c> to <c>~</c> except letters and digits).</summary>
    public override bool WillEncode(int unicodeScalar) => unicodeScalar is > ' ' and <= '~' && !char.IsAsciiLetterOrDigit((char)unicodeScalar);

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        if (IsPlainUrl(new ReadOnlySpan<char>(text, textLength)))
            return -1;
        for (var i = 0; i < textLength; i++)
        {
            if (WillEncode(text[i]))
                return i;
        }
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var escaped = WillEncode(unicodeScalar);
        var needed = (escaped ? 1 : 0) + (unicodeScalar > 0xFFFF ? 2 : 1);
        if (bufferLength < needed)
        {
            numberOfCharactersWritten = 0;
            return false;
        }
        var at = 0;
        if (escaped)
            buffer[at++] = '\\';
        if (unicodeScalar > 0xFFFF)
        {
            var rune = new System.Text.Rune(unicodeScalar);
            Span<char> pair = stackalloc char[2];
            rune.EncodeToUtf16(pair);
            buffer[at++] = pair[0];
            buffer[at++] = pair[1];
        }
        else
        {
            buffer[at++] = (char)unicodeScalar;
        }
        numberOfCharactersWritten = at;
        return true;
    }

    /// <summary>
    /// One absolute http(s) URL with nothing Markdown reads as markup in it: written as it is, so Markdown links it in
    /// running text, and it is the destination inside <c>[text]({{ url }})</c>.
    /// </summary>
    private static bool IsPlainUrl(ReadOnlySpan<char> value) =>
        (value.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        && value.IndexOfAny(NotInPlainUrl) < 0 && Uri.TryCreate(value.ToString(), UriKind.Absolute, out _);
}
