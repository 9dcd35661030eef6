using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Settings;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Funnel;

/// <summary>
/// The fallback for lost webhooks: for each channel with a status endpoint, asks GET {StatusUrl}/{provider message id}
/// about recent deliveries not yet Read (a bounded batch, at the channel's rate, resuming where the last run stopped)
/// and feeds the answers to the <see cref="DeliveryStatusUpdater"/>. Safe to run twice: the updater's rules make
/// repeated statuses no-ops.
/// </summary>
public sealed class PollDeliveryStatusJob(
    IDbContextFactory<AppDbContext> dbs,
    ChannelSettingsStore settings,
    HttpClient http,
    DeliveryStatusUpdater updater,
    IOptions<StatusPollingOptions> options,
    TimeProvider clock,
    ILogger<PollDeliveryStatusJob> log)
{
    public const string RecurringId = "poll-delivery-status";

    /// <summary>Every five minutes.</summary>
    public const string Schedule = "*/5 * * * *";

    /// <summary>Returns how many deliveries moved.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var messenger = await settings.MessengerAsync(cancellationToken);
        var whatsApp = await settings.WhatsAppAsync(cancellationToken);
        var moved = 0;
        if (messenger is { StatusUrl: { } messengerUrl, AccessToken: { } messengerToken })
            moved += await PollAsync(ChannelKind.Messenger, messengerUrl, messengerToken, messenger.RatePerSecond, cancellationToken);
        if (whatsApp is { StatusUrl: { } whatsAppUrl, AccessToken: { } whatsAppToken })
            moved += await PollAsync(ChannelKind.WhatsApp, whatsAppUrl, whatsAppToken, whatsApp.RatePerSecond, cancellationToken);
        return moved;
    }

    private async Task<int> PollAsync(ChannelKind channel, Uri statusUrl, string token, double? ratePerSecond, CancellationToken cancellationToken)
    {
        var cursorKey = $"Funnel:PollCursor:{channel}";
        var since = clock.GetUtcNow().UtcDateTime.AddHours(-options.Value.LookbackHours);
        var batchSize = options.Value.BatchSize;
        List<(long Id, string ProviderMessageId)> batch;
        long cursor;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            cursor = long.TryParse(
                await db.Settings.Where(s => s.Key == cursorKey).Select(s => s.Value).FirstOrDefaultAsync(cancellationToken), out var c)
                ? c
                : 0;
            var rows = await db.Deliveries
                .Where(d => d.Id > cursor && d.Status == DeliveryStatus.Sent && d.ProviderMessageId != null && d.ReadAt == null && d.SentAt >= since
                    && db.Messages.Any(m => m.Id == d.MessageId && m.Channel == channel))
                .OrderBy(d => d.Id).Take(batchSize).Select(d => new { d.Id, d.ProviderMessageId }).ToListAsync(cancellationToken);
            batch = rows.Select(r => (r.Id, r.ProviderMessageId!)).ToList();
        }

        var interval = TimeSpan.FromSeconds(1 / (ratePerSecond ?? options.Value.DefaultRatePerSecond));
        var moved = 0;
        var last = cursor;
        var stopped = false;
        foreach (var (id, providerMessageId) in batch)
        {
            if (last != cursor)
                await Task.Delay(interval, clock, cancellationToken);
            var status = await AskAsync(statusUrl, token, providerMessageId, cancellationToken);
            if (status is Answer.Stop)
            {
                stopped = true;
                break;
            }
            if (status is Answer.Status { Value: { } value } && value.ProviderMessageId == providerMessageId)
                moved += await updater.ApplyAsync(channel, value, cancellationToken);
            last = id;
        }

        // Resume after the last delivery asked about; once a run reaches the end, the next starts over.
        await SaveCursorAsync(cursorKey, stopped || batch.Count == batchSize ? last : 0, cancellationToken);
        if (batch.Count > 0)
            log.LogInformation("Polled {Count} {Channel} deliveries, {Moved} moved", batch.Count, channel, moved);
        return moved;
    }

    private abstract record Answer
    {
        public sealed record Status(ProviderStatus? Value) : Answer;

        /// <summary>The endpoint said to slow down or failed as a whole: stop this run.</summary>
        public sealed record Stop : Answer;
    }

    private async Task<Answer> AskAsync(Uri statusUrl, string token, string providerMessageId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, GraphApi.Url(statusUrl, providerMessageId));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500
                || response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                log.LogWarning("The status endpoint answered {Status}; polling stops until the next run", (int)response.StatusCode);
                return new Answer.Stop();
            }
            if (!response.IsSuccessStatusCode)
                return new Answer.Status(null);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return new Answer.Status(ProviderStatus.From(document.RootElement));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or OperationCanceledException
            or Polly.Timeout.TimeoutRejectedException)
        {
            log.LogWarning("The status endpoint could not be read ({Error}); polling stops until the next run", ex.GetType().Name);
            return new Answer.Stop();
        }
    }

    private async Task SaveCursorAsync(string key, long value, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        if (await db.Settings.Where(s => s.Key == key).ExecuteUpdateAsync(s => s.SetProperty(x => x.Value,
            value.ToString(CultureInfo.InvariantCulture)).SetProperty(x => x.UpdatedAt, now), cancellationToken) == 0)
        {
            db.Settings.Add(new Setting { Key = key, Value = value.ToString(CultureInfo.InvariantCulture), UpdatedAt = now });
            await db.SaveChangesAsync(cancellationToken);
        }
    }
}
