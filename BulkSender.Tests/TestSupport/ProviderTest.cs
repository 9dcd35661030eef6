using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.TestSupport;

/// <summary>
/// Per test: a migrated SQLite file, a <see cref="ProviderServer"/> on 127.0.0.1, and the real-channel services configured against it.
/// </summary>
public abstract class ProviderTest : IAsyncLifetime
{
    protected TestDatabase Database { get; private set; } = null!;
    protected ProviderServer Server { get; private set; } = null!;
    protected ServiceProvider Services { get; private set; } = null!;

    protected abstract IDictionary<string, string?> Configuration(Uri server);

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Server = await ProviderServer.StartAsync();
        Services = ChannelServices.Build(Database, Configuration(Server.BaseAddress));
    }

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        await Server.DisposeAsync();
        await Database.DisposeAsync();
    }
}
