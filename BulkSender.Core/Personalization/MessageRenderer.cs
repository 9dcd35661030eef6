using BulkSender.Core.Channels;
using BulkSender.Core.Templates;

namespace BulkSender.Core.Personalization;

/// <summary>One recipient's message: its texts as rendered, or why it cannot be sent (<see cref="Problem"/>).</summary>
/// <param name="HtmlEncodedContent">
/// E-mail only: the content with each value escaped as it is inserted (<see cref="MarkdownValueEncoder"/>), the source of
/// the HTML part (<see cref="Channels.Email.EmailBody"/>): a value is text there, never markup.
/// </param>
public sealed record RenderedMessage(string Title, string Content, Lazy<string?>? HtmlEncodedSource, OutgoingTemplate? Template, string? Problem)
{
    /// <summary>The e-mail HTML part's source, rendered on first read (a send through an adapter without one never reads it).</summary>
    public string? HtmlEncodedContent => HtmlEncodedSource?.Value;
}

/// <summary>
/// A message's title, content and WhatsApp template parameters, each parsed once (a batch builds one and renders it
/// for each of its recipients), rendered per recipient within the channel's limits: the content within
/// <see cref="ChannelLimits.MaxContentLength"/>, an e-mail subject within <see cref="MaxSubjectLength"/>, a template
/// parameter within Meta's limit for its component.
/// </summary>
public sealed class MessageRenderer
{
    /// <summary>The longest line RFC 5322 allows (998 characters), for the subject an e-mail title becomes.</summary>
    public const int MaxSubjectLength = 998;

    private readonly ChannelKind channel;
    private readonly LiquidText title;
    private readonly LiquidText content;
    private readonly TemplateChoice? template;
    private readonly LiquidText[] parameterTexts;

    public MessageRenderer(string title, string content, ChannelKind channel, TemplateChoice? template, ContactFieldSet fields)
    {
        this.channel = channel;
        this.title = LiquidText.Parse(title);
        this.content = LiquidText.Parse(content);
        this.template = template;
        parameterTexts = template?.Parameters.Select(p => LiquidText.Parse(p.Field is null ? p.Text : null)).ToArray() ?? [];
        Fields = fields;
        var used = Texts.SelectMany(t => t.Uses.Select(u => u.Key))
            .Concat(template?.Parameters.Select(p => p.Field).OfType<string>() ?? []);
        UsesCustomFields = used.Any(key => fields.Find(key)?.IsCustom == true);
    }

    public ContactFieldSet Fields { get; }

    /// <summary>Something reads a custom field: the recipients' values must be loaded (one query per batch).</summary>
    public bool UsesCustomFields { get; }

    private IEnumerable<LiquidText> Texts => [title, content, .. parameterTexts];

    public RenderedMessage Render(RecipientValues recipient)
    {
        // One context for the title and the content: the recipient's values are set once.
        var values = title.Template is null && content.Template is null ? null : LiquidText.Context([title, content], recipient, Fields);
        var renderedTitle = title.Render(values);
        var renderedContent = content.Render(values);
        var html = channel != ChannelKind.Email ? null
            : content.IsPlain ? new Lazy<string?>(renderedContent)
            : new Lazy<string?>(() => content.Render(recipient, Fields, MarkdownValueEncoder.Instance));
        var outgoing = template is null ? null : Template(template, recipient);
        return new RenderedMessage(renderedTitle, renderedContent, html, outgoing, TooLong(renderedTitle, renderedContent, outgoing));
    }

    private OutgoingTemplate Template(TemplateChoice choice, RecipientValues recipient) =>
        new(choice.Name, choice.Language, choice.Parameters
            .Select((p, i) => new OutgoingTemplateParameter(p.Component ?? TemplateText.Body,
                p.Key is { } key && !key.All(char.IsAsciiDigit) ? key : null,
                Fields.Find(p.Field) is { } field ? field.Value(recipient) : parameterTexts[i].Render(recipient, Fields)))
            .ToList());

    private string? TooLong(string renderedTitle, string renderedContent, OutgoingTemplate? outgoing)
    {
        var limit = ChannelLimits.MaxContentLength(channel);
        if (outgoing is null && renderedContent.Length > limit)
            return $"The personalized content is {renderedContent.Length:N0} characters for this recipient; " +
                $"{ContactFields.ChannelName(channel)} accepts at most {limit:N0}.";
        if (channel == ChannelKind.Email && renderedTitle.Length > MaxSubjectLength)
            return $"The personalized subject is {renderedTitle.Length:N0} characters for this recipient; an e-mail subject is at most " +
                $"{MaxSubjectLength:N0}.";
        foreach (var parameter in outgoing?.Parameters ?? [])
        {
            var max = parameter.Component == TemplateText.Header ? TemplateText.MaxHeaderParameter : TemplateText.MaxBodyParameter;
            if (parameter.Text.Length > max)
                return $"A {parameter.Component} parameter of the template is {parameter.Text.Length:N0} characters for this recipient; " +
                    $"WhatsApp accepts at most {max:N0}.";
        }
        return null;
    }
}
