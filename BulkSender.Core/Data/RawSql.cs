namespace BulkSender.Core.Data;

/// <summary>
/// One of the few statements written as SQL (set-based inserts and updates EF Core cannot express): its text, with
/// <c>{0}</c>, <c>{1}</c>… where <see cref="Args"/> go as parameters. Built apart from where it runs, so a test parses
/// every one in each dialect it must run on.
/// </summary>
public sealed record RawSql(string Text, IReadOnlyList<object> Args);
