using System.Globalization;
using BulkSender.Tests.TestSupport;
using Xunit.Abstractions;

namespace BulkSender.Tests.Web.Dispatch;

/// <summary>
/// Several app processes on one database (PostgreSQL with its shared Hangfire queue, or one SQLite file) send one
/// Messenger send through the real adapter to a loopback Graph that records when each call arrived: the page's limit
/// holds at the provider for the cluster as a whole, the cluster still uses all of it, and nobody is reached twice or
/// never, even when one instance is killed (SIGKILL) in the middle.
/// </summary>
[Trait("Database", "Both")]
[Collection(TimingCollection.Name)] // arrival times at the provider: alone, not beside the parallel tests
public sealed class ClusterSendTests(ITestOutputHelper output)
{
    /// <summary>2,000 recipients at 100/s: 20 s at the limit.</summary>
    private const int Recipients = 2_000;
    private const double Limit = 100;

    private void Report(ClusterFigures figures)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{figures.Plan.Instances} instances on {figures.Database}, {figures.Plan.Recipients} recipients at {figures.Plan.RatePerSecond}/s: " +
            $"{figures.Calls} calls ({figures.PerInstance} per instance) in {figures.FirstToLast.TotalSeconds:N1} s; peak 1-s window " +
            $"{figures.PeakWindow}; combined {figures.CombinedRate:N1}/s = {figures.RateToLimit:N3} × the limit; " +
            $"{figures.Duplicates} duplicates, {figures.Lost} lost; sent {figures.Sent}, failed {figures.Failed}; the provider's process: " +
            $"{figures.Provider.Collections} collections, {figures.Provider.Allocated / 1024.0 / 1024.0:N0} MB allocated"));
        output.WriteLine(figures.PeakDetail);
        output.WriteLine(figures.PauseDetail);
        output.WriteLine(figures.DropDetail);
        if (figures.Kill is { } kill)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"killed {kill.Instance} at {kill.ReachedBefore} reached, with {kill.InFlight} deliveries in Sending " +
                $"({kill.Unanswered} calls unanswered at the provider); the others finished {kill.Finish.TotalSeconds:N1} s later"));
    }

    private async Task<ClusterFigures> RunAsync(ClusterPlan plan)
    {
        await using var database = await ClusterDatabase.ForTestsAsync();
        var figures = await ClusterSend.RunAsync(plan, database, output.WriteLine);
        Report(figures);
        return figures;
    }

    [Fact]
    public async Task Two_instances_send_to_every_recipient_once_within_the_page_limit_and_use_all_of_it()
    {
        var figures = await RunAsync(new ClusterPlan(Instances: 2, Recipients, Limit));

        figures.Lost.ShouldBe(0, "every recipient was reached");
        figures.Duplicates.ShouldBe(0, "nobody was reached twice");
        figures.Sent.ShouldBe(Recipients);
        figures.CallsPerInstance.Count.ShouldBe(2, "both instances sent");
        // One limit for both, at the provider: a limiter per process put 206 calls in its busiest second. The slots keep
        // 30 ms of margin per second for late wake-ups and jitter, and the cluster still uses nearly all of the limit.
        figures.Provider.Collections.ShouldBe(0,
            "the provider's process never stopped while it stamped arrivals (a collection stamps the calls queued behind it as one burst)");
        figures.PeakWindow.ShouldBeLessThanOrEqualTo((int)Limit, "no second at the provider holds more than the page's one limit");
        figures.CombinedRate.ShouldBeGreaterThanOrEqualTo(0.95 * Limit, "the cluster uses all of the page's limit but the margin");
    }

    [Fact]
    public async Task Three_instances_finish_the_send_when_one_is_killed_losing_nobody_and_resending_only_what_it_had_in_flight()
    {
        var figures = await RunAsync(new ClusterPlan(Instances: 3, Recipients, Limit) { KillAt = 0.4 });
        var kill = figures.Kill.ShouldNotBeNull();

        kill.ReachedBefore.ShouldBeLessThan(Recipients, "the instance was killed before the send ended");
        kill.InFlight.ShouldBeGreaterThan(0, "the killed instance was sending when it was killed");
        figures.Lost.ShouldBe(0, "every recipient was reached");
        figures.Sent.ShouldBe(Recipients);
        figures.Duplicates.ShouldBeLessThanOrEqualTo(kill.InFlight, "only what the killed instance had in flight may have gone twice");
    }
}
