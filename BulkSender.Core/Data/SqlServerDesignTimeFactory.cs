using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace BulkSender.Core.Data;

/// <summary>Lets `dotnet ef` build the SQL Server context without the web host and without a server.</summary>
public sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerDbContext>
{
    public SqlServerDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerDbContext>()
            .UseSqlServer("Server=(design-time);Database=BulkSender;Trusted_Connection=True;TrustServerCertificate=True")
            .Options);
}
