namespace BulkSender.Core.Contacts;

/// <summary>The whole file is refused: not a CSV, wrong encoding, no header, too large, no rows.</summary>
public sealed class ImportFileException(string message) : Exception(message);
