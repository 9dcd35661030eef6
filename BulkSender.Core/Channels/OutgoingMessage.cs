namespace BulkSender.Core.Channels;

/// <summary>What an adapter needs to reach one recipient; <see cref="Template"/> is set for a WhatsApp template message.</summary>
public sealed record OutgoingMessage(
    long DeliveryId,
    int MessageId,
    ChannelKind Channel,
    string Address,
    string? Name,
    int AttemptNumber,
    string Title,
    string Content,
    string? MessageTag,
    OutgoingTemplate? Template = null)
{
    /// <summary>A reply a person wrote to this one contact (Messenger sends it with the HUMAN_AGENT tag); never a bulk send.</summary>
    public bool IsHumanReply { get; init; }

    /// <summary>A test from the compose form (<see cref="Messages.TestSends"/>): no message or delivery exists (their ids are 0).</summary>
    public bool IsTest { get; init; }

    private readonly Lazy<string?>? htmlEncodedContent;

    /// <summary>
    /// E-mail: <see cref="Content"/> personalized with each value escaped so that it stays text (the operator's
    /// Markdown around the values as written), the source of the HTML part (<see cref="Email.EmailBody"/>); null for
    /// other channels. Rendered when first read (<see cref="HtmlEncodedContentSource"/>): an adapter without an HTML
    /// part never pays for it.
    /// </summary>
    public string? HtmlEncodedContent
    {
        get => htmlEncodedContent?.Value;
        init => htmlEncodedContent = new Lazy<string?>(value);
    }

    /// <summary><see cref="HtmlEncodedContent"/> as it will be rendered on first read.</summary>
    public Lazy<string?>? HtmlEncodedContentSource
    {
        get => htmlEncodedContent;
        init => htmlEncodedContent = value;
    }

    /// <summary>The message's image or PDF; null when it has none.</summary>
    public OutgoingAttachment? Attachment { get; init; }

    /// <summary>The rate-limiter slots of this recipient's provider calls; null: nothing to wait for (a channel's test message).</summary>
    public ProviderCallSlots? CallSlots { get; init; }

    /// <summary>
    /// An adapter awaits this just before each provider call, the first included: the call leaves in its own rate-limiter
    /// slot, on time (<see cref="ProviderCallSlots"/>). Throws <see cref="Pauses.ChannelPausedException"/> when the
    /// channel was paused meanwhile: the adapter lets it through, the call is not made.
    /// </summary>
    public ValueTask BeforeCallAsync(CancellationToken cancellationToken) =>
        CallSlots?.BeforeCallAsync(cancellationToken) ?? ValueTask.CompletedTask;
}
