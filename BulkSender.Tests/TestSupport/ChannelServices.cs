using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Funnel;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.TestSupport;

/// <summary>
/// The real-channel, compliance and funnel services as the app registers them, over a test database and the given
/// configuration.
/// </summary>
public static class ChannelServices
{
    public static ServiceProvider Build(TestDatabase database, IDictionary<string, string?> configuration, TimeProvider? clock = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        services.AddLogging();
        services.AddSingleton<IDbContextFactory<AppDbContext>>(database);
        services.AddSingleton(clock ?? TimeProvider.System);
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddSingleton<IDispatchProgress, NoDispatchProgress>();
        services.AddRealChannels();
        services.AddCompliance();
        services.AddFunnel();
        return services.BuildServiceProvider();
    }
}
