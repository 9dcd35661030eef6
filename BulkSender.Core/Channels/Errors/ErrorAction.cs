namespace BulkSender.Core.Channels.Errors;

/// <summary>What the send pipeline does about a provider error, besides recording its <see cref="Retries.ErrorType"/>.</summary>
public enum ErrorAction
{
    /// <summary>A later retry round may try again (rate limits also pause the channel's limiter for the provider's wait).</summary>
    Retry,

    /// <summary>Retried, but not before <see cref="ErrorRule.RetryAfter"/> has passed (the delivery's not-before time).</summary>
    RetryLater,

    /// <summary>Never retried: the provider says this recipient cannot receive messages.</summary>
    NeverRetry,

    /// <summary>The contact asked not to get these messages: it is opted out for its channel, with the reason.</summary>
    SuppressContact,

    /// <summary>
    /// The channel itself cannot send (restricted number or Page, expired token): every batch of the channel stops and
    /// waits, this recipient included, until an admin resumes the channel. Nothing fails, no attempt is used.
    /// </summary>
    PauseChannel,
}
