using System.Collections.Concurrent;
using BulkSender.Core.Channels.Settings;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace BulkSender.Core.Channels.Email;

/// <summary>
/// Open, authenticated SMTP connections shared by the send workers: at most <see cref="EmailSettings.MaxConnections"/>
/// at once, each used by one send at a time and put back afterwards. A connection idle for a while is checked with
/// NOOP before reuse; one opened with other settings (a change in the settings page) is closed.
/// </summary>
public sealed class SmtpConnectionPool(TimeProvider clock) : IAsyncDisposable
{
    public static readonly TimeSpan CheckAfterIdle = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentQueue<Connection> idle = new();
    private readonly Lock gateLock = new();
    private (SemaphoreSlim Semaphore, int Size)? gate;
    private int opened;

    /// <summary>How many connections this pool has opened so far.</summary>
    public int Opened => opened;

    private sealed record Connection(SmtpClient Client, string Key)
    {
        public DateTimeOffset IdleSince { get; set; }
    }

    /// <summary>
    /// Sends through a pooled connection; returns the server's reply. <paramref name="beforeSend"/> runs once the
    /// connection is ready, just before the message goes (its rate-limiter slot). Throws MailKit's exceptions for the
    /// caller to map.
    /// </summary>
    public async Task<string> SendAsync(EmailSettings settings, MimeMessage message, Func<CancellationToken, ValueTask> beforeSend,
        CancellationToken cancellationToken)
    {
        var semaphore = Gate(settings.MaxConnections);
        await semaphore.WaitAsync(cancellationToken);
        Connection? connection = null;
        try
        {
            connection = await LeaseAsync(settings, cancellationToken);
            await beforeSend(cancellationToken);
            return await connection.Client.SendAsync(message, cancellationToken);
        }
        finally
        {
            if (connection is not null)
                await ReturnAsync(connection, settings);
            semaphore.Release();
        }
    }

    private SemaphoreSlim Gate(int size)
    {
        lock (gateLock)
        {
            if (gate is not { } current || current.Size != size)
                gate = (new SemaphoreSlim(size, size), size);
            return gate.Value.Semaphore;
        }
    }

    private async Task<Connection> LeaseAsync(EmailSettings settings, CancellationToken cancellationToken)
    {
        while (idle.TryDequeue(out var connection))
        {
            if (connection.Key == settings.ConnectionKey && connection.Client.IsConnected && await AliveAsync(connection, cancellationToken))
                return connection;
            await CloseAsync(connection);
        }

        var client = new SmtpClient { Timeout = (int)CommandTimeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(settings.Host!, settings.Port, settings.Security switch
            {
                SmtpSecurity.None => SecureSocketOptions.None,
                SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.StartTls,
            }, cancellationToken);
            if (settings.UserName is { } user)
                await client.AuthenticateAsync(user, settings.Password ?? "", cancellationToken);
            Interlocked.Increment(ref opened);
            return new Connection(client, settings.ConnectionKey);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private async Task<bool> AliveAsync(Connection connection, CancellationToken cancellationToken)
    {
        if (clock.GetUtcNow() - connection.IdleSince < CheckAfterIdle)
            return true;
        try
        {
            await connection.Client.NoOpAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ReturnAsync(Connection connection, EmailSettings settings)
    {
        // After a refused command MailKit has sent RSET and the connection is fine; after anything else it is closed.
        if (connection.Client.IsConnected && connection.Key == settings.ConnectionKey)
        {
            connection.IdleSince = clock.GetUtcNow();
            idle.Enqueue(connection);
        }
        else
        {
            await CloseAsync(connection);
        }
    }

    private static async Task CloseAsync(Connection connection)
    {
        try
        {
            if (connection.Client.IsConnected)
                await connection.Client.DisconnectAsync(quit: true);
        }
        catch (Exception)
        {
            // Closing a broken connection: nothing to report.
        }
        connection.Client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        while (idle.TryDequeue(out var connection))
            await CloseAsync(connection);
    }
}
