using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BulkSender.Core.Channels;

/// <summary>Runs <see cref="SimulatedEvents"/> every <see cref="SimulatedChannelOptions.EventsInterval"/>.</summary>
public sealed class SimulatedEventsService(SimulatedEvents events, IOptions<SimulatedChannelOptions> options, TimeProvider clock,
    ILogger<SimulatedEventsService> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.EventsInterval, clock);
        try
        {
            do
            {
                try
                {
                    await events.ApplyDueAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogWarning(ex, "Could not apply the simulated provider's status events; trying again in {Interval}",
                        options.Value.EventsInterval);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
