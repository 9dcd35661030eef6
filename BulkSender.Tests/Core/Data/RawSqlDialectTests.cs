using System.Text.RegularExpressions;
using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Contacts;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace BulkSender.Tests.Core.Data;

/// <summary>
/// No SQL Server runs here, yet it is the production database: every statement the app writes as SQL is parsed in its
/// SQL Server form by ScriptDom (SQL Server's own T-SQL parser), so a syntax error in that dialect fails the build.
/// Their SQLite form runs in the integration tests.
/// </summary>
public sealed partial class RawSqlDialectTests
{
    private static readonly DateTime Now = new(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Every raw statement, in each shape its inputs give it.</summary>
    public static TheoryData<string, string> Statements()
    {
        var data = new TheoryData<string, string>();
        Recipients[] audiences =
        [
            new(ChannelKind.Email, AudienceKind.Channel, null, []),
            new(ChannelKind.Email, AudienceKind.Tag, "vip", []),
            new(ChannelKind.Messenger, AudienceKind.Selection, null, [1, 2, 3]),
            new(ChannelKind.WhatsApp, AudienceKind.Selection, null, []),
        ];
        foreach (var audience in audiences)
        {
            var shape = $"{audience.Audience}{(audience.ContactIds.Count == 0 ? "" : $"({audience.ContactIds.Count})")}";
            data.Add($"insert deliveries, {shape}", audience.InsertDeliveriesSql(7, 1, 1, 100, Now).Text);
            data.Add($"insert unbatched deliveries, {shape}", audience.InsertUnbatchedDeliveriesSql(7, Now).Text);
            data.Add($"count, {shape}", audience.CountSql(null).Text);
            data.Add($"count outside the window, {shape}",
                audience.CountSql((MessagingWindow.OutsideSql("c.\"LastInboundAt\""), MessagingWindow.Cutoff(Now))).Text);
        }
        data.Add("insert retry attempts", RetryPlanner.InsertAttemptsSql(7, [11, 12, 13], 0, 2, 100, Now).Text);
        data.Add("record sent, accepted times", BatchTransitions.RecordSentSql(
            [(11, "wamid.1", Now.AddMilliseconds(5)), (12, null, null)], Now, t => t).Text);
        data.Add("insert contact field values", ContactImporter.InsertValuesSql([(1, "city", "Lisbon"), (2, "plan", "pro")]).Text);
        data.Add("record sent, no accepted time", BatchTransitions.RecordSentSql([(11, "m_1", null)], Now, t => t).Text);
        return data;
    }

    /// <summary>The statement as EF Core's SQL Server provider sends it: <c>{n}</c> becomes the parameter <c>@pn</c>.</summary>
    private static string SqlServerForm(string text) => Placeholder().Replace(text, "@p$1");

    private static IList<ParseError> Parse(string sql)
    {
        // SET QUOTED_IDENTIFIER ON is SqlClient's default: "Deliveries" is an identifier.
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        parser.Parse(new StringReader(sql), out var errors);
        return errors;
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void Each_raw_statement_parses_as_T_SQL(string statement, string text)
    {
        var sql = SqlServerForm(text);

        var errors = Parse(sql);

        errors.ShouldBeEmpty($"{statement}: {string.Join("; ", errors.Select(e => $"line {e.Line}, column {e.Column}: {e.Message}"))}\n{sql}");
    }

    [Fact]
    public void The_parser_refuses_what_SQL_Server_would()
    {
        Parse("""SELECT "Id" FROM "Contacts" LIMIT @p0""").ShouldNotBeEmpty("LIMIT is SQLite's and PostgreSQL's, not SQL Server's");
        Parse("""UPDATE "Deliveries" SET "Status" = @p0 WHERE "Id" IN ()""").ShouldNotBeEmpty();
    }

    [Fact]
    public void Every_place_that_runs_raw_SQL_goes_through_a_statement_this_test_parses()
    {
        var core = Path.Combine(RepoPaths.Root, "BulkSender.Core");
        var callers = Directory.EnumerateFiles(core, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select(line => (File: Path.GetFileName(f), Line: line)))
            .Where(l => RawCall().IsMatch(l.Line))
            .Select(l => l.File)
            .ToList();

        // Transactions.ExecuteAsync runs RawSql; Recipients runs its CountSql; DatabaseInitializer sets SQLite's WAL.
        callers.ShouldBe(["DatabaseInitializer.cs", "Recipients.cs", "Transactions.cs"], ignoreOrder: true,
            "a new raw statement must be built as RawSql and added to Statements() above");
    }

    [GeneratedRegex(@"\{(\d+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\b(ExecuteSqlRaw|SqlQueryRaw|FromSqlRaw|ExecuteSql|SqlQuery|FromSql)\w*\s*[<(]")]
    private static partial Regex RawCall();
}
