using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Core.Attachments;

public static class AttachmentsRegistration
{
    /// <summary>The attachment store; a relative <see cref="AttachmentsOptions.Folder"/> is taken from <paramref name="contentRoot"/>.</summary>
    public static IServiceCollection AddAttachments(this IServiceCollection services, string contentRoot)
    {
        services.AddOptions<AttachmentsOptions>().BindConfiguration(AttachmentsOptions.Section).PostConfigure(o =>
        {
            if (!string.IsNullOrWhiteSpace(o.Folder))
                o.Folder = Path.GetFullPath(o.Folder, contentRoot);
            else
                o.Folder = null;
        });
        services.AddSingleton<AttachmentStore>();
        return services;
    }
}
