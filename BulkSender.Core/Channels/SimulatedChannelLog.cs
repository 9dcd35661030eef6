using System.Collections.Concurrent;
using System.Globalization;
using BulkSender.Core.Retries;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Channels;

/// <summary>One send that reached the simulated provider.</summary>
/// <param name="Timestamp">When the provider was called, from <see cref="TimeProvider.GetTimestamp"/>: for measuring intervals.</param>
public sealed record SimulatedSend(
    long DeliveryId,
    int MessageId,
    ChannelKind Channel,
    string Address,
    int AttemptNumber,
    bool Succeeded,
    ErrorType? ErrorType,
    long Timestamp,
    DateTimeOffset At)
{
    /// <summary>The title (an e-mail's subject) the recipient got (personalized).</summary>
    public string? Title { get; init; }

    /// <summary>The text the recipient got (personalized).</summary>
    public string? Text { get; init; }

    /// <summary>The attachment's file name, when the message carried one.</summary>
    public string? Attachment { get; init; }

    /// <summary>A test send from compose (<see cref="OutgoingMessage.IsTest"/>): no message or delivery exists.</summary>
    public bool IsTest { get; init; }
}

/// <summary>
/// Everything the simulated provider received in this process, so tests count exactly what reached "the provider".
/// With <see cref="SimulatedChannelOptions.LogFile"/> set, each send is also appended to a file before the adapter
/// returns, so a test can count sends of a process it killed.
/// </summary>
public sealed class SimulatedChannelLog(IOptions<SimulatedChannelOptions> options) : IDisposable
{
    private readonly ConcurrentQueue<SimulatedSend> sends = new();
    private readonly Lock fileLock = new();
    private StreamWriter? file;

    public IReadOnlyList<SimulatedSend> ForMessage(int messageId) => sends.Where(s => s.MessageId == messageId).ToList();

    /// <summary>The test sends received (<see cref="OutgoingMessage.IsTest"/>).</summary>
    public IReadOnlyList<SimulatedSend> Tests() => sends.Where(s => s.IsTest).ToList();

    public void Record(SimulatedSend send)
    {
        var capacity = options.Value.LogCapacity;
        sends.Enqueue(send);
        while (sends.Count > capacity && sends.TryDequeue(out _))
        {
        }

        if (string.IsNullOrEmpty(options.Value.LogFile))
            return;
        lock (fileLock)
        {
            file ??= new StreamWriter(new FileStream(options.Value.LogFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
            file.WriteLine(string.Join(',', send.DeliveryId, send.MessageId, send.Channel, send.AttemptNumber, send.Succeeded ? "sent" : "failed",
                send.At.ToString("O", CultureInfo.InvariantCulture), send.Address));
            file.Flush();
        }
    }

    /// <summary>Reads a file written through <see cref="SimulatedChannelOptions.LogFile"/>.</summary>
    public static IReadOnlyList<SimulatedSend> ReadFile(string path)
    {
        if (!File.Exists(path))
            return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var result = new List<SimulatedSend>();
        while (reader.ReadLine() is { } line)
        {
            var f = line.Split(',', 7);
            if (f.Length < 7)
                continue; // a line cut short by a kill
            result.Add(new SimulatedSend(long.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture),
                Enum.Parse<ChannelKind>(f[2]), f[6], int.Parse(f[3], CultureInfo.InvariantCulture), f[4] == "sent", null, 0,
                DateTimeOffset.Parse(f[5], CultureInfo.InvariantCulture)));
        }
        return result;
    }

    public void Dispose()
    {
        lock (fileLock)
            file?.Dispose();
    }
}
