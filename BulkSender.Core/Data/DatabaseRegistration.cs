using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Core.Data;

internal static class DatabaseRegistration
{
    /// <summary>
    /// Registers the provider's context factory and exposes it as <see cref="IDbContextFactory{AppDbContext}"/>,
    /// which is all the rest of the code asks for.
    /// </summary>
    public static void AddAppDatabase(this IServiceCollection services, IConfiguration configuration, DatabaseProvider provider, string contentRoot)
    {
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                // Read when first needed, so settings added late (tests, hosts) are seen.
                services.AddDbContextFactory<SqliteDbContext>((sp, o) => o
                    .UseSqlite(SqliteConnectionString(sp.GetRequiredService<IConfiguration>(), contentRoot))
                    .AddInterceptors(BusyTimeout));
                services.AddSingleton<IDbContextFactory<AppDbContext>, ProviderContextFactory<SqliteDbContext>>();
                break;
            case DatabaseProvider.SqlServer:
                var sqlServer = RequiredConnectionString(configuration, provider);
                services.AddDbContextFactory<SqlServerDbContext>(o => o.UseSqlServer(sqlServer, s => s.EnableRetryOnFailure()));
                services.AddSingleton<IDbContextFactory<AppDbContext>, ProviderContextFactory<SqlServerDbContext>>();
                break;
            case DatabaseProvider.PostgreSql:
                var postgreSql = RequiredConnectionString(configuration, provider);
                // Retrying, as SQL Server: every transaction runs inside the execution strategy (Transactions), so the tests on
                // PostgreSQL prove that no code path opens one the strategy would refuse.
                services.AddDbContextFactory<PostgreSqlDbContext>(o => o.UseNpgsql(postgreSql, s => s.EnableRetryOnFailure()));
                services.AddSingleton<IDbContextFactory<AppDbContext>, ProviderContextFactory<PostgreSqlDbContext>>();
                break;
            default:
                throw new InvalidOperationException($"Unknown Database:Provider '{provider}'. Use Sqlite, SqlServer or PostgreSql.");
        }

        // Identity's stores want a scoped context; everything else opens one per operation from the factory.
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
    }

    /// <summary>ConnectionStrings:{provider} (SqlServer, PostgreSql), which a server database cannot do without.</summary>
    public static string RequiredConnectionString(IConfiguration configuration, DatabaseProvider provider)
    {
        var connectionString = configuration.GetConnectionString(provider.ToString());
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                $"Database:Provider is {provider} but ConnectionStrings:{provider} is empty. " +
                $"Set it in appsettings.json or the ConnectionStrings__{provider} environment variable.");
        return connectionString;
    }

    /// <summary>The SQLite connection string with a relative file resolved against the app's content root and its folder created.</summary>
    public static string SqliteConnectionString(IConfiguration configuration, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(configuration.GetConnectionString("Sqlite") ?? "Data Source=data/bulksender.db");
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            builder.DataSource = Path.GetFullPath(file, contentRoot);
            Directory.CreateDirectory(Path.GetDirectoryName(builder.DataSource)!);
        }
        // Several workers write at once: wait for the lock instead of failing with "database is locked".
        builder.DefaultTimeout = Math.Max(builder.DefaultTimeout, 30);
        return builder.ToString();
    }

    private static readonly SqliteBusyTimeout BusyTimeout = new();

    private sealed class ProviderContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<AppDbContext>
        where TContext : AppDbContext
    {
        public AppDbContext CreateDbContext() => inner.CreateDbContext();
    }
}
