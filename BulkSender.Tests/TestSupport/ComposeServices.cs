using BulkSender.Core.Attachments;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Web.Features.Contacts;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BulkSender.Tests.TestSupport;

/// <summary>What the compose page needs in a bUnit context: Core's real services of a <see cref="CoreHost"/>, signed in as an operator.</summary>
public static class ComposeServices
{
    public static void AddTo(BunitContext context, CoreHost host, params Type[] more)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(host);
        Type[] core = [typeof(SendService), typeof(ComposeValidator), typeof(RetryDefaults), typeof(ComposePreview), typeof(AttachmentStore),
            typeof(IOptions<ChannelsOptions>), typeof(IOptions<DispatchOptions>), typeof(TimeProvider)];
        foreach (var type in core.Concat(more))
            context.Services.AddSingleton(type, host.Services.GetRequiredService(type));
        context.Services.AddScoped<ContactSelection>();
        context.AddAuthorization().SetAuthorized("operator@test.local");
    }
}
