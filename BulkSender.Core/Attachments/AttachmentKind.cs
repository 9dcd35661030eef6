namespace BulkSender.Core.Attachments;

/// <summary>What an attachment is, as the providers name it: an image (JPEG, PNG) or a document (PDF).</summary>
public enum AttachmentKind
{
    Image,
    Document,
}
