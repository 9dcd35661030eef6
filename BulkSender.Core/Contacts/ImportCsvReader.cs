using CsvHelper;

namespace BulkSender.Core.Contacts;

/// <summary>
/// Reads an import's CSV text (CsvHelper) into the header and the records, as RFC 4180 says: a quoted field may hold
/// line breaks, as spreadsheets write them. Each record carries the physical line it starts on, as a spreadsheet user
/// numbers lines (the header is line 1; a record spanning lines 4–5 is line 4 and the next one is line 6).
/// A quote that is never closed, or closed in the wrong place, would run on through the rows after it: a record with
/// broken quoting that spans several lines is read again line by line, as if line breaks could not be quoted, so a
/// stray quote costs its own row and never the rest of the file.
/// </summary>
public static class ImportCsvReader
{
    /// <param name="Malformed">The quotes of the record do not match (reported, never imported).</param>
    public sealed record Record(int Line, string[] Fields, bool Malformed)
    {
        /// <summary>The line the record ends on: its first line plus the line breaks inside its quoted fields.</summary>
        public int LastLine => Line + Fields.Sum(LineBreaks);
    }

    public static async Task<(IReadOnlyList<string> Header, IReadOnlyList<Record> Records)> ReadAsync(
        string text, CancellationToken cancellationToken)
    {
        var malformed = new HashSet<long>();
        using var csv = CsvReader.FromText(text, Options(malformed) with { AllowLineBreaksInQuotes = true });
        await csv.ReadHeaderAsync(cancellationToken);
        var header = csv.Headers.ToList();
        var read = new List<Record>();
        while (await csv.ReadAsync(cancellationToken))
            read.Add(new Record((int)csv.LineNumber, Fields(csv), false));

        var records = new List<Record>(read.Count);
        int[]? lineStarts = null;
        for (var i = 0; i < read.Count; i++)
        {
            var record = read[i];
            if (!malformed.Contains(record.Line))
            {
                records.Add(record);
                continue;
            }
            lineStarts ??= LineStarts(text);
            var next = i + 1 < read.Count ? read[i + 1].Line : lineStarts.Length + 1;
            if (next - record.Line <= 1)
            {
                records.Add(record with { Malformed = true });
                continue;
            }
            var end = next <= lineStarts.Length ? lineStarts[next - 1] : text.Length;
            records.AddRange(await ReadLineByLineAsync(text[lineStarts[record.Line - 1]..end], record.Line - 1, csv.Separator, cancellationToken));
        }
        return (header, records);
    }

    /// <summary>
    /// Lines of the file (no header) where every line break ends a record; line numbers moved by <paramref name="linesBefore"/>.
    /// </summary>
    private static async Task<List<Record>> ReadLineByLineAsync(string lines, int linesBefore, char separator, CancellationToken cancellationToken)
    {
        var malformed = new HashSet<long>();
        using var csv = CsvReader.FromText(lines,
            Options(malformed) with { AllowLineBreaksInQuotes = false, HasHeader = false, Separator = separator });
        var records = new List<Record>();
        while (await csv.ReadAsync(cancellationToken))
            records.Add(new Record(linesBefore + (int)csv.LineNumber, Fields(csv), malformed.Contains(csv.LineNumber)));
        return records;
    }

    /// <summary>A field-count mismatch is not a quoting problem: the importer reports it with the counts.</summary>
    private static CsvReaderOptions Options(HashSet<long> malformed) => CsvReaderOptions.Default with
    {
        TrackLineNumbers = true,
        OnMalformedRecord = record =>
        {
            if (record.Reason != CsvMalformedReason.FieldCountMismatch)
                malformed.Add(record.LineNumber);
        },
    };

    private static string[] Fields(CsvReader csv)
    {
        var fields = new string[csv.FieldCount];
        for (var i = 0; i < fields.Length; i++)
            fields[i] = csv.GetString(i) ?? "";
        return fields;
    }

    /// <summary>Where each line starts.</summary>
    private static int[] LineStarts(string text) => [0, .. LineEnds(text).Where(end => end < text.Length)];

    private static int LineBreaks(string value) => LineEnds(value).Count();

    /// <summary>The position after each line break: CR LF, LF or CR.</summary>
    private static IEnumerable<int> LineEnds(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                i++;
            if (text[i] is '\n' or '\r')
                yield return i + 1;
        }
    }
}
