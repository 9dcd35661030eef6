using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BulkSender.Tests.TestSupport;

/// <summary>A message the <see cref="SmtpTestServer"/> accepted.</summary>
public sealed record SmtpMessage(int Connection, string From, IReadOnlyList<string> To, string Data);

/// <summary>
/// A small SMTP server on 127.0.0.1: EHLO/HELO, AUTH PLAIN and LOGIN, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT.
/// It accepts everything unless <see cref="RejectRecipient"/> or <see cref="RejectData"/> give a reply line to refuse
/// with, and records what it accepted and how many connections it served.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task accepting;
    private int connections;

    public SmtpTestServer()
    {
        listener.Start();
        accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public int Connections => connections;

    public ConcurrentQueue<SmtpMessage> Messages { get; } = new();

    /// <summary>When set, AUTH must give this user and password, else "535 5.7.8".</summary>
    public (string User, string Password)? Credentials { get; set; }

    /// <summary>A full reply line (e.g. "550 5.1.1 User unknown") to refuse a recipient with, or null to accept.</summary>
    public Func<string, string?> RejectRecipient { get; set; } = _ => null;

    /// <summary>A full reply line to refuse the message with after DATA, or null to accept.</summary>
    public Func<string, string?> RejectData { get; set; } = _ => null;

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception)
            {
                return;
            }
            var number = Interlocked.Increment(ref connections);
            _ = Task.Run(() => ServeAsync(client, number));
        }
    }

    private async Task ServeAsync(TcpClient client, int connection)
    {
        using var _ = client;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.Latin1);
        await using var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
        string? from = null;
        var to = new List<string>();
        try
        {
            await writer.WriteLineAsync("220 localhost BulkSender test SMTP");
            while (await reader.ReadLineAsync(stopping.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                var argument = line.Length > verb.Length ? line[(verb.Length + 1)..] : "";
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-localhost\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SIZE 10485760");
                        break;
                    case "HELO":
                        await writer.WriteLineAsync("250 localhost");
                        break;
                    case "AUTH":
                        await writer.WriteLineAsync(await AuthenticateAsync(argument, reader, writer)
                            ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authentication credentials invalid");
                        break;
                    case "MAIL":
                        from = Address(argument);
                        to.Clear();
                        await writer.WriteLineAsync("250 2.1.0 Ok");
                        break;
                    case "RCPT":
                        var recipient = Address(argument);
                        if (RejectRecipient(recipient) is { } refusal)
                            await writer.WriteLineAsync(refusal);
                        else
                        {
                            to.Add(recipient);
                            await writer.WriteLineAsync("250 2.1.5 Ok");
                        }
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync(stopping.Token) is { } dataLine && dataLine != ".")
                            data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                        var text = data.ToString();
                        if (RejectData(text) is { } rejected)
                            await writer.WriteLineAsync(rejected);
                        else
                        {
                            Messages.Enqueue(new SmtpMessage(connection, from ?? "", to.ToList(), text));
                            await writer.WriteLineAsync($"250 2.0.0 Ok: queued as Q{Messages.Count}");
                        }
                        from = null;
                        to.Clear();
                        break;
                    case "RSET":
                        from = null;
                        to.Clear();
                        await writer.WriteLineAsync("250 2.0.0 Ok");
                        break;
                    case "NOOP":
                        await writer.WriteLineAsync("250 2.0.0 Ok");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 2.0.0 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 5.5.2 Command not recognized");
                        break;
                }
            }
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
        }
    }

    private async Task<bool> AuthenticateAsync(string argument, StreamReader reader, StreamWriter writer)
    {
        var parts = argument.Split(' ');
        string user, password;
        if (parts[0].Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            var encoded = parts.Length > 1 ? parts[1] : await Prompt("");
            var fields = Decode(encoded).Split('\0');
            (user, password) = (fields.ElementAtOrDefault(1) ?? "", fields.ElementAtOrDefault(2) ?? "");
        }
        else if (parts[0].Equals("LOGIN", StringComparison.OrdinalIgnoreCase))
        {
            user = Decode(parts.Length > 1 ? parts[1] : await Prompt("VXNlcm5hbWU6"));
            password = Decode(await Prompt("UGFzc3dvcmQ6"));
        }
        else
            return false;
        return Credentials is not { } expected || (expected.User == user && expected.Password == password);

        async Task<string> Prompt(string challenge)
        {
            await writer.WriteLineAsync($"334 {challenge}");
            return await reader.ReadLineAsync() ?? "";
        }
    }

    private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64.Trim()));

    private static string Address(string argument)
    {
        var start = argument.IndexOf('<');
        var end = argument.IndexOf('>');
        return start >= 0 && end > start ? argument[(start + 1)..end] : argument;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        await accepting;
        stopping.Dispose();
    }
}
