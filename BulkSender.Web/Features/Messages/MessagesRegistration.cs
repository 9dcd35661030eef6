using System.Text.Json.Serialization;
using BulkSender.Core.Dispatch;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BulkSender.Web.Features.Messages;

public static class MessagesRegistration
{
    /// <summary>Live progress (hub, in-process feed) in place of Core's silent default, and enums as strings in the hub's JSON.</summary>
    public static IServiceCollection AddMessagesFeature(this IServiceCollection services)
    {
        services.AddSignalR().AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddSingleton<ProgressFeed>();
        services.AddSingleton<ProgressPublisher>();
        // Core adds its silent default (NoDispatchProgress) only when nothing else is registered; this replaces it.
        services.Replace(ServiceDescriptor.Singleton<IDispatchProgress>(sp => sp.GetRequiredService<ProgressPublisher>()));
        return services;
    }
}
