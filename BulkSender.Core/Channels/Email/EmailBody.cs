using System.Text;
using Ganss.Xss;
using Markdig;
using Markdig.Extensions.EmphasisExtras;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace BulkSender.Core.Channels.Email;

/// <summary>
/// An e-mail's two parts from the operator's Markdown: the HTML part (Markdig, raw HTML not read: it shows as text;
/// then sanitized with HtmlSanitizer, so only formatting and http, https and mailto links remain) and the plain-text
/// part (the same document written as text: links as "text (https://…)", lists with their markers). Used by the
/// e-mail adapter and the compose page's preview alike.
/// </summary>
/// <remarks>
/// A personalized message gives two sources: the HTML part is made from the content whose values were escaped as
/// they were inserted (<see cref="Personalization.MarkdownValueEncoder"/>, so a value never becomes markup), the text
/// part from the content as rendered. A line break in the source is a line break in both parts, as operators who
/// write plain text expect.
/// </remarks>
public sealed record EmailBody(string Html, string Text)
{
    /// <summary>What the compose form says under the content of an e-mail.</summary>
    public const string Help = "Markdown: **bold**, *italic*, [link](https://…), lists";

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseEmphasisExtras(EmphasisExtraOptions.Strikethrough)
        .UseAutoLinks()
        .UseSoftlineBreakAsHardlineBreak()
        .Build();

    /// <summary>Configured once, then only used: HtmlSanitizer's Sanitize is safe to call from several threads.</summary>
    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    /// <summary>The last body made and its sources (one reference, replaced whole: safe across threads).</summary>
    private static volatile Made? last;

    /// <summary>Both parts from one text (a message without personalization, or a preview of the text as written).</summary>
    public static EmailBody From(string markdown) => From(markdown, markdown);

    /// <param name="htmlSource">The Markdown the HTML part is made from (values escaped).</param>
    /// <param name="textSource">The Markdown the text part is made from (values as they are).</param>
    public static EmailBody From(string htmlSource, string textSource)
    {
        // A send without personalization gives every recipient the same sources: made once, not once per mail.
        if (last is { } known && known.HtmlSource == htmlSource && known.TextSource == textSource)
            return known.Body;
        var body = new EmailBody(ToHtml(htmlSource), ToText(textSource));
        last = new Made(htmlSource, textSource, body);
        return body;
    }

    /// <summary>A message as the adapter gets it: the escaped content for the HTML part when there is one.</summary>
    public static EmailBody From(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return From(message.HtmlEncodedContent ?? message.Content, message.Content);
    }

    public static string ToHtml(string markdown) => Sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline)).Trim();

    public static string ToText(string markdown) => string.Join("\n", Blocks(Markdown.Parse(markdown, Pipeline), tight: false));

    private sealed record Made(string HtmlSource, string TextSource, EmailBody Body);

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Add("mailto");
        return sanitizer;
    }

    /// <summary>The lines of a container's blocks: separated by a blank line, or not (the items of a tight list).</summary>
    private static List<string> Blocks(ContainerBlock container, bool tight)
    {
        var lines = new List<string>();
        foreach (var block in container)
        {
            var own = Lines(block);
            if (own.Count == 0)
                continue;
            if (lines.Count > 0 && !tight)
                lines.Add("");
            lines.AddRange(own);
        }
        return lines;
    }

    private static List<string> Lines(Block block) => block switch
    {
        HeadingBlock heading => Split(Inlines(heading.Inline)),
        ParagraphBlock paragraph => Split(Inlines(paragraph.Inline)),
        CodeBlock code => code.Lines.Lines.Take(code.Lines.Count).Select(l => l.ToString()).ToList(),
        ThematicBreakBlock => ["----"],
        ListBlock list => ListLines(list),
        QuoteBlock quote => Blocks(quote, tight: false).Select(l => l.Length == 0 ? ">" : $"> {l}").ToList(),
        ContainerBlock container => Blocks(container, tight: false),
        _ => [],
    };

    /// <summary>"- item" or "1. item", the item's further lines indented under its text.</summary>
    private static List<string> ListLines(ListBlock list)
    {
        var lines = new List<string>();
        var number = list.IsOrdered && int.TryParse(list.OrderedStart, out var start) ? start : 1;
        foreach (var item in list.OfType<ListItemBlock>())
        {
            var marker = list.IsOrdered ? $"{number++}. " : "- ";
            var inner = Blocks(item, tight: !list.IsLoose);
            if (list.IsLoose && lines.Count > 0)
                lines.Add("");
            if (inner.Count == 0)
                lines.Add(marker.TrimEnd());
            lines.AddRange(inner.Select((line, i) =>
                i == 0 ? marker + line : line.Length == 0 ? "" : new string(' ', marker.Length) + line));
        }
        return lines;
    }

    private static List<string> Split(string text) => [.. text.Split('\n')];

    /// <summary>The text of a container's inlines (not of the container itself: a link's label, not the link).</summary>
    private static string Inlines(ContainerInline? inlines)
    {
        var text = new StringBuilder();
        foreach (var child in inlines ?? Enumerable.Empty<Inline>())
            Write(child, text);
        return text.ToString();
    }

    /// <summary>An inline as text; a link keeps its address visible ("text (https://…)") unless the text is the address.</summary>
    private static void Write(Inline? inline, StringBuilder text)
    {
        switch (inline)
        {
            case LinkInline link:
                var label = Inlines(link);
                var url = link.GetDynamicUrl?.Invoke() ?? link.Url ?? "";
                if (label.Length == 0 || link.IsAutoLink || label == url || $"mailto:{label}" == url)
                    text.Append(label.Length == 0 ? url : label);
                else
                    text.Append(label).Append(" (").Append(url).Append(')');
                break;
            case AutolinkInline autolink:
                text.Append(autolink.Url);
                break;
            case LiteralInline literal:
                text.Append(literal.Content.ToString());
                break;
            case CodeInline code:
                text.Append(code.Content);
                break;
            case LineBreakInline:
                text.Append('\n');
                break;
            case HtmlEntityInline entity:
                text.Append(entity.Transcoded.ToString());
                break;
            case ContainerInline container:
                text.Append(Inlines(container));
                break;
        }
    }
}
