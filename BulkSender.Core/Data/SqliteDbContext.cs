using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Data;

/// <summary>The SQLite flavour of the model; owns Data/Migrations/Sqlite.</summary>
public sealed class SqliteDbContext(DbContextOptions<SqliteDbContext> options) : AppDbContext(options);
