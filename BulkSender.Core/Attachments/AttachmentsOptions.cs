namespace BulkSender.Core.Attachments;

/// <summary>Where attachments are kept (section <c>Attachments</c>).</summary>
public sealed class AttachmentsOptions
{
    public const string Section = "Attachments";

    /// <summary>
    /// A folder for the files (relative paths from the app's content root); unset: in the database. Every instance must
    /// see the same folder.
    /// </summary>
    public string? Folder { get; set; }

    /// <summary>
    /// The address providers fetch media from; unset: the e-mail settings' "Public URL of BulkSender" (the one
    /// unsubscribe links use).
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }
}
