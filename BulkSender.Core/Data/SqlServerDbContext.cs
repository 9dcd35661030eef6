using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Data;

/// <summary>The SQL Server flavour of the model; owns Data/Migrations/SqlServer.</summary>
public sealed class SqlServerDbContext(DbContextOptions<SqlServerDbContext> options) : AppDbContext(options);
