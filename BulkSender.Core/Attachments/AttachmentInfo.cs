namespace BulkSender.Core.Attachments;

/// <summary>An attachment without its bytes: what pages, the API and the send pipeline show or link to.</summary>
public sealed record AttachmentInfo(int Id, string Token, string FileName, string ContentType, AttachmentKind Kind, long Length)
{
    /// <summary>The path it is served at (anonymous: providers fetch it): <c>/media/{token}/{file name}</c>.</summary>
    public string Path => $"{AttachmentStore.MediaPath}/{Token}/{Uri.EscapeDataString(FileName)}";

    /// <summary>"photo.png (312 KB)".</summary>
    public string Label => $"{FileName} ({AttachmentRules.Size(Length)})";
}

/// <summary>The result of an upload: the stored attachment, or why it was refused (nothing stored).</summary>
public sealed record AttachmentUpload(AttachmentInfo? Attachment, string? Error)
{
    public bool Succeeded => Attachment is not null;
}
