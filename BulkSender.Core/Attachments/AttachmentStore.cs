using System.Buffers.Text;
using System.Linq.Expressions;
using System.Security.Cryptography;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Attachments;

/// <summary>
/// Stores the files messages carry (in the database, or in <see cref="AttachmentsOptions.Folder"/>), finds them by
/// their unguessable token for <c>/media/…</c>, and gives the send pipeline what an adapter needs: the public URL
/// providers fetch and a way to read the bytes (e-mail attaches them).
/// </summary>
public sealed class AttachmentStore(
    IDbContextFactory<AppDbContext> dbs, IOptions<AttachmentsOptions> options, ChannelSettingsStore settings, TimeProvider clock)
{
    public const string MediaPath = "/media";

    /// <summary>Checks the upload by its content and size, then stores it; nothing is stored when it is refused.</summary>
    public async Task<AttachmentUpload> SaveAsync(byte[] content, string? fileName, Actor uploader, CancellationToken cancellationToken)
    {
        var (type, error) = AttachmentRules.Check(content, fileName);
        if (type is null)
            return new AttachmentUpload(null, error);
        var attachment = new Attachment
        {
            Token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24)),
            FileName = AttachmentRules.SafeFileName(fileName, type),
            ContentType = type.ContentType,
            Kind = type.Kind,
            Length = content.LongLength,
            CreatedById = uploader.UserId,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        if (options.Value.Folder is { } folder)
        {
            Directory.CreateDirectory(folder);
            await File.WriteAllBytesAsync(Path.Combine(folder, attachment.Token), content, cancellationToken);
        }
        else
        {
            attachment.Content = content;
        }
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        db.Attachments.Add(attachment);
        await db.SaveChangesAsync(cancellationToken);
        return new AttachmentUpload(Info(attachment), null);
    }

    private static readonly Expression<Func<Attachment, AttachmentInfo>> Projection =
        a => new AttachmentInfo(a.Id, a.Token, a.FileName, a.ContentType, a.Kind, a.Length);

    public async Task<AttachmentInfo?> FindAsync(int id, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Attachments.AsNoTracking().Where(a => a.Id == id)
            .Select(Projection).SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>The attachment a token names, or null (a token is 32 characters; anything else is not looked up).</summary>
    public async Task<AttachmentInfo?> FindByTokenAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length != 32)
            return null;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Attachments.AsNoTracking().Where(a => a.Token == token)
            .Select(Projection).SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>The bytes: from the database, or from the folder's file named by the token.</summary>
    public async Task<byte[]> ReadAsync(AttachmentInfo attachment, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var content = await db.Attachments.AsNoTracking().Where(a => a.Id == attachment.Id).Select(a => a.Content).SingleAsync(cancellationToken);
        if (content is not null)
            return content;
        var folder = options.Value.Folder
            ?? throw new InvalidOperationException($"Attachment {attachment.Id} is stored in a folder, but Attachments:Folder is not set.");
        return await File.ReadAllBytesAsync(Path.Combine(folder, attachment.Token), cancellationToken);
    }

    /// <summary>
    /// The public address providers fetch the file from: <see cref="AttachmentsOptions.PublicBaseUrl"/>, else the
    /// e-mail settings' public URL; null when neither is set.
    /// </summary>
    public async Task<Uri?> UrlAsync(AttachmentInfo attachment, CancellationToken cancellationToken)
    {
        var baseUrl = options.Value.PublicBaseUrl ?? (await settings.EmailAsync(cancellationToken)).PublicBaseUrl;
        return baseUrl is null ? null : new Uri($"{baseUrl.ToString().TrimEnd('/')}{attachment.Path}");
    }

    /// <summary>
    /// What an adapter gets for a message's attachment: one per batch run, whose bytes are read once, when an adapter
    /// first asks (e-mail), and then kept for the batch's other recipients.
    /// </summary>
    public async Task<OutgoingAttachment?> OutgoingAsync(int? attachmentId, CancellationToken cancellationToken)
    {
        if (attachmentId is not { } id || await FindAsync(id, cancellationToken) is not { } attachment)
            return null;
        var bytes = new Lazy<Task<byte[]>>(() => ReadAsync(attachment, CancellationToken.None));
        return new OutgoingAttachment(attachment.Kind, attachment.FileName, attachment.ContentType, await UrlAsync(attachment, cancellationToken),
            _ => bytes.Value);
    }

    private static AttachmentInfo Info(Attachment a) => new(a.Id, a.Token, a.FileName, a.ContentType, a.Kind, a.Length);
}
