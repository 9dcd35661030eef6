using System.Text.Json.Serialization;
using BulkSender.Core.Dispatch;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BulkSender.Web.Features.Messages;

public static class MessagesRegistration
{
    /// <summary>Live progress: the hub (enums as strings, as in the HTTP API) and the in-process feed.</summary>
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
