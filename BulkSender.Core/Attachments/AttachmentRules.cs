using BulkSender.Core.Templates;

namespace BulkSender.Core.Attachments;

/// <summary>What a file is by its first bytes (never its name or the browser's word), and the size each kind may have.</summary>
public static class AttachmentRules
{
    public const long MaxImageBytes = 8 * 1024 * 1024;
    public const long MaxDocumentBytes = 25 * 1024 * 1024;
    public const int MaxFileNameLength = 100;

    /// <summary>WhatsApp's limit on a media message's caption (the free text sent with an attachment).</summary>
    public const int MaxWhatsAppCaption = 1024;

    /// <summary>What the compose page and the API say is accepted.</summary>
    public const string Accepted = "a JPEG or PNG image up to 8 MB, or a PDF up to 25 MB";

    /// <summary>A file type BulkSender accepts: its kind, MIME type and extension.</summary>
    public sealed record FileType(AttachmentKind Kind, string ContentType, string Extension)
    {
        public long MaxBytes => Kind == AttachmentKind.Image ? MaxImageBytes : MaxDocumentBytes;
    }

    public static readonly FileType Jpeg = new(AttachmentKind.Image, "image/jpeg", ".jpg");
    public static readonly FileType Png = new(AttachmentKind.Image, "image/png", ".png");
    public static readonly FileType Pdf = new(AttachmentKind.Document, "application/pdf", ".pdf");

    /// <summary>The type the content's magic bytes say; null for anything else.</summary>
    public static FileType? Sniff(ReadOnlySpan<byte> content) =>
        content.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? Png
        : content.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? Jpeg
        : content.StartsWith("%PDF-"u8) ? Pdf
        : null;

    /// <summary>The type of an upload, or why it is refused.</summary>
    public static (FileType? Type, string? Error) Check(ReadOnlySpan<byte> content, string? fileName)
    {
        var name = string.IsNullOrWhiteSpace(fileName) ? "The file" : $"\"{Path.GetFileName(fileName)}\"";
        if (content.IsEmpty)
            return (null, $"{name} is empty.");
        if (Sniff(content) is not { } type)
            return (null, $"{name} is not a JPEG, PNG or PDF file (judged by its content, not its name): attach {Accepted}.");
        if (ClaimedType(fileName) is { } claimed && claimed.ContentType != type.ContentType)
            return (null, $"{name} is named as {Describe(claimed)}, but its content is {Describe(type)}: attach the file it names, " +
                "or give it the right extension.");
        if (content.Length > type.MaxBytes)
            return (null, $"{name} is {Size(content.Length)}: a{(type.Kind == AttachmentKind.Image ? "n image" : " PDF")} " +
                $"may be at most {Size(type.MaxBytes)}.");
        return (type, null);
    }

    /// <summary>The type a file name's extension claims, when it is one BulkSender knows.</summary>
    private static FileType? ClaimedType(string? fileName) => Path.GetExtension(fileName ?? "").ToUpperInvariant() switch
    {
        ".JPG" or ".JPEG" => Jpeg,
        ".PNG" => Png,
        ".PDF" => Pdf,
        _ => null,
    };

    private static string Describe(FileType type) => type == Pdf ? "a PDF" : type == Png ? "a PNG image" : "a JPEG image";

    /// <summary>
    /// The name sent to providers and in the URL: the uploaded name without its folder, letters, digits, '.', '-' and
    /// '_' only, and the extension of what the file is ("report.exe" that is a PDF becomes "report.pdf").
    /// </summary>
    public static string SafeFileName(string? fileName, FileType type)
    {
        var stem = Path.GetFileNameWithoutExtension(Path.GetFileName(fileName ?? "").Replace('\\', '/').Split('/')[^1]);
        var safe = new string(stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray()).Trim('-', '.');
        if (safe.Length == 0)
            safe = type.Kind == AttachmentKind.Image ? "image" : "document";
        if (safe.Length > MaxFileNameLength - type.Extension.Length)
            safe = safe[..(MaxFileNameLength - type.Extension.Length)];
        return safe + type.Extension;
    }

    /// <summary>
    /// Why a send cannot carry <paramref name="attachment"/> (looked up from the form's id; null: it does not exist) with
    /// <paramref name="template"/> (the WhatsApp template chosen, if any), or null when it can: a template with an IMAGE or
    /// DOCUMENT header needs an attachment of that kind, and a template without one takes no attachment.
    /// </summary>
    public static string? SendProblem(int? attachmentId, AttachmentInfo? attachment, TemplateView? template)
    {
        if (attachmentId is not null && attachment is null)
            return $"There is no attachment {attachmentId}: upload the file again.";
        if (template is null)
            return null;
        var wanted = template.HeaderFormat switch
        {
            "IMAGE" => AttachmentKind.Image,
            "DOCUMENT" => AttachmentKind.Document,
            _ => (AttachmentKind?)null,
        };
        if (template.HeaderFormat is "VIDEO" or "LOCATION")
            return $"The template \"{template.Name}\" has a {template.HeaderFormat.ToLowerInvariant()} header, which BulkSender cannot fill: " +
                "choose another template.";
        if (wanted is null)
            return attachment is null ? null
                : $"The template \"{template.Name}\" has no image or document header: remove the attachment or choose a template with one.";
        if (attachment is null)
            return $"The template \"{template.Name}\" has {(wanted == AttachmentKind.Image ? "an image" : "a document")} header: attach " +
                (wanted == AttachmentKind.Image ? "a JPEG or PNG image." : "a PDF.");
        return attachment.Kind == wanted ? null
            : $"The template \"{template.Name}\" has {(wanted == AttachmentKind.Image ? "an image" : "a document")} header, " +
              $"but {attachment.FileName} is {(attachment.Kind == AttachmentKind.Image ? "an image" : "a PDF")}.";
    }

    /// <summary>"8 MB", "312 KB", "900 bytes".</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MB".Replace(".0 MB", " MB", StringComparison.Ordinal),
        >= 1024 => $"{bytes / 1024.0:0} KB",
        _ => $"{bytes} bytes",
    };
}
