using BulkSender.Core.Channels;
using BulkSender.Core.Retries;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Channels;

public sealed class SimulatedChannelTests
{
    private static readonly Dictionary<ErrorType, double> Mix = new()
    {
        [ErrorType.AccessToken] = 0.01, [ErrorType.RateLimit] = 0.02, [ErrorType.InvalidRecipient] = 0.03,
        [ErrorType.Network] = 0.02, [ErrorType.Permission] = 0.01, [ErrorType.Other] = 0.01,
    };

    private static (SimulatedChannel Channel, SimulatedChannelLog Log) Create(int seed, Dictionary<ErrorType, double> rates, string? logFile = null)
    {
        var options = Options.Create(new SimulatedChannelOptions { LatencyMs = 0, Seed = seed, FailureRates = rates, LogFile = logFile });
        var log = new SimulatedChannelLog(options);
        return (new SimulatedChannel(options, log, new FakeTimeProvider()), log);
    }

    private static OutgoingMessage To(int i) =>
        new(i, 7, ChannelKind.Email, $"person{i}@example.com", null, 1, "Title", "Body", null);

    [Fact]
    public async Task Outcomes_repeat_for_the_same_seed_and_follow_the_configured_mix_of_error_types()
    {
        var (first, _) = Create(42, Mix);
        var (again, _) = Create(42, Mix);
        var (other, _) = Create(43, Mix);

        var a = new List<ChannelResult>();
        var b = new List<ChannelResult>();
        var c = new List<ChannelResult>();
        for (var i = 0; i < 20_000; i++)
        {
            a.Add(await first.SendAsync(To(i), default));
            b.Add(await again.SendAsync(To(i), default));
            c.Add(await other.SendAsync(To(i), default));
        }

        b.ShouldBe(a);
        c.ShouldNotBe(a);
        foreach (var (type, rate) in Mix)
            (a.Count(r => r.ErrorType == type) / 20_000.0).ShouldBe(rate, tolerance: 0.006, $"share of {type}");
        a.Where(r => r.Succeeded).ShouldAllBe(r => r.ProviderMessageId != null);
        a.Where(r => !r.Succeeded).ShouldAllBe(r => r.ErrorCode != null && r.ErrorMessage != null);
    }

    [Fact]
    public async Task Every_send_is_recorded_in_memory_and_in_the_log_file_that_survives_the_process()
    {
        var file = Path.Combine(TestSupport.RepoPaths.NewTempDirectory("simlog"), "sends.csv");
        var (channel, log) = Create(1, [], file);

        for (var i = 1; i <= 3; i++)
            await channel.SendAsync(To(i), default);
        log.Dispose();

        log.ForMessage(7).Select(s => s.DeliveryId).ShouldBe([1L, 2L, 3L]);
        SimulatedChannelLog.ReadFile(file).Select(s => (s.DeliveryId, s.Address, s.Succeeded))
            .ShouldBe([(1L, "person1@example.com", true), (2L, "person2@example.com", true), (3L, "person3@example.com", true)]);
    }

    [Fact]
    public void Failure_rates_outside_0_to_1_or_adding_up_to_more_than_1_are_refused_at_start()
    {
        new SimulatedChannelOptions { FailureRates = new() { [ErrorType.Network] = 1.5 } }
            .Validate(new(new object())).ShouldNotBeEmpty();
        new SimulatedChannelOptions { FailureRates = new() { [ErrorType.Network] = 0.6, [ErrorType.Other] = 0.6 } }
            .Validate(new(new object())).ShouldNotBeEmpty();
        new SimulatedChannelOptions { FailureRates = Mix }.Validate(new(new object())).ShouldBeEmpty();
    }
}
