using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Data;

/// <summary>
/// The PostgreSQL flavour of the model; owns Data/Migrations/PostgreSql. Times are <c>timestamp with time zone</c>,
/// which Npgsql only accepts as UTC: the app keeps every time in UTC already.
/// </summary>
public sealed class PostgreSqlDbContext(DbContextOptions<PostgreSqlDbContext> options) : AppDbContext(options);
