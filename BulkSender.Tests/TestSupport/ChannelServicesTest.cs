using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.TestSupport;

/// <summary>Per test: a migrated SQLite file and the real-channel services over it (no provider server).</summary>
public abstract class ChannelServicesTest : IAsyncLifetime
{
    protected TestDatabase Database { get; private set; } = null!;
    protected ServiceProvider Services { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Services = ChannelServices.Build(Database, new Dictionary<string, string?>());
    }

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        await Database.DisposeAsync();
    }
}
