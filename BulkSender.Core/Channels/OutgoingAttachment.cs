using BulkSender.Core.Attachments;

namespace BulkSender.Core.Channels;

/// <summary>
/// The file a message carries, for an adapter: <see cref="Url"/> for providers that fetch media by link (null when no
/// public URL of BulkSender is set), <see cref="ReadAsync"/> for e-mail, which attaches the bytes.
/// </summary>
public sealed record OutgoingAttachment(
    AttachmentKind Kind, string FileName, string ContentType, Uri? Url, Func<CancellationToken, Task<byte[]>> ReadAsync)
{
    /// <summary>Why a provider that fetches by link cannot be given this file; null when it can.</summary>
    public string? MissingUrl => Url is null
        ? "The attachment needs a public URL the provider can fetch it from: set \"Public URL of BulkSender\" in Settings → E-mail " +
          "(or Attachments:PublicBaseUrl)."
        : null;
}
