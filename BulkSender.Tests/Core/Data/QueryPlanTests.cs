using BulkSender.Core.Channels;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Core.Data;

/// <summary>
/// The send path updates deliveries by id and status, five at a time. SQLite has no statistics by default, so an
/// index that starts with Status would tempt it to scan every pending delivery of every send for each statement.
/// SQLite only (it reads SQLite's EXPLAIN QUERY PLAN), so not marked Database=Both.
/// </summary>
public sealed class QueryPlanTests
{
    [Fact]
    public async Task Updating_deliveries_by_id_and_status_uses_the_primary_key_not_a_status_index()
    {
        await using var host = await CoreHost.StartAsync(contacts: 300);
        await host.SendAsync(new ComposeModel { Title = "Plan", Content = "Hi", Channel = ChannelKind.Email, Audience = AudienceKind.Channel });
        await using var db = host.NewDbContext();

        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            EXPLAIN QUERY PLAN UPDATE "Deliveries" SET "Status" = 'Sent' WHERE "Id" IN (1, 2, 3, 4, 5) AND "Status" = 'Sending'
            """;
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                plan.Add(reader.GetString(reader.GetOrdinal("detail")));

        plan.ShouldHaveSingleItem().ShouldContain("INTEGER PRIMARY KEY");
    }
}
