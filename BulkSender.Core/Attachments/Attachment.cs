namespace BulkSender.Core.Attachments;

/// <summary>
/// A file a message carries: checked by its content when uploaded, served to providers at
/// <c>/media/{Token}/{FileName}</c>. Its bytes are in <see cref="Content"/>, or in the configured folder (a file named
/// by the token) when <see cref="AttachmentsOptions.Folder"/> is set.
/// </summary>
public sealed class Attachment
{
    public int Id { get; set; }

    /// <summary>192 random bits, base64url: the only thing that gives the file away, since its URL is anonymous.</summary>
    public required string Token { get; set; }

    /// <summary>The uploaded name made safe for a URL and a MIME header, with the extension its content has.</summary>
    public required string FileName { get; set; }
    public required string ContentType { get; set; }
    public AttachmentKind Kind { get; set; }
    public long Length { get; set; }

    /// <summary>The bytes when stored in the database; null when they are in the folder.</summary>
    public byte[]? Content { get; set; }

    public string? CreatedById { get; set; }
    public DateTime CreatedAt { get; set; }
}
