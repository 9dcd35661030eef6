using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace BulkSender.Core.Data;

/// <summary>Lets `dotnet ef` build the PostgreSQL context without the web host and without a server.</summary>
public sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlDbContext>
{
    public PostgreSqlDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlDbContext>()
            .UseNpgsql("Host=design-time;Database=bulksender;Username=bulksender")
            .Options);
}
