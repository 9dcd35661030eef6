using System.Globalization;
using BulkSender.Tests.TestSupport;

namespace BulkSender.Benchmarks;

/// <summary>
/// Several app processes on one database send one Messenger send of 2,000 recipients at a page limit of 100/s through
/// the real adapter to a loopback Graph (100–200 ms latency) that records each call's arrival: for 1, 2 and 3 instances
/// on PostgreSQL and on one SQLite file, the peak calls in any 1-second window at the provider, the combined rate ÷ the
/// limit, duplicates and lost recipients; then three instances with one killed (SIGKILL) at 40%. The same harness as
/// <c>ClusterSendTests</c>. PostgreSQL: the server in <c>BENCH_POSTGRES</c> (a connection string without a database;
/// <c>benchmarks/run.sh</c> starts a throwaway cluster when it is unset); each run gets a database of its own.
/// </summary>
public sealed class ClusterBenchmark : IBenchmark
{
    private const int Recipients = 2_000;
    private const double Limit = 100;

    public string Name => "cluster";

    public string Description =>
        "several instances on one database: 2,000 Messenger recipients at 100/s, 1–3 instances, provider-side peak second, rate, " +
        "duplicates, lost; kill -9 of one of three at 40%";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var server = Environment.GetEnvironmentVariable("BENCH_POSTGRES") is { Length: > 0 } set ? set : null;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; " +
            $"PostgreSQL: {(server is null ? "none (BENCH_POSTGRES is not set: those rows are left out)" : "BENCH_POSTGRES")}");
        var databases = new List<Func<Task<ClusterDatabase>>>();
        if (server is not null)
            databases.Add(() => ClusterDatabase.PostgreSqlAsync(server));
        databases.Add(() => Task.FromResult(ClusterDatabase.Sqlite()));

        var rows = new List<ClusterFigures>();
        var kills = new List<ClusterFigures>();
        foreach (var database in databases)
        {
            for (var instances = 1; instances <= 3; instances++)
                rows.Add(await RunAsync(database, new ClusterPlan(instances, Recipients, Limit)));
            kills.Add(await RunAsync(database, new ClusterPlan(3, Recipients, Limit) { KillAt = 0.4 }));
        }

        Console.WriteLine();
        Console.WriteLine($"Targets: peak 1-s window ≤ {Limit:N0}, combined rate ÷ limit ≥ 0.95, 0 duplicates, 0 lost.");
        Console.WriteLine();
        Console.WriteLine("| database | instances | recipients | limit | peak 1-s window | combined rate ÷ limit | duplicates | lost | " +
            "calls per instance | first to last call |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var f in rows)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {f.Database} | {f.Plan.Instances} | {f.Plan.Recipients:N0} | {f.Plan.RatePerSecond:N0}/s | " +
                $"{f.PeakWindow}{Missed(f.PeakWindow <= Limit)} | {f.RateToLimit:N3}{Missed(f.RateToLimit >= 0.95)} | " +
                $"{f.Duplicates}{Missed(f.Duplicates == 0)} | {f.Lost}{Missed(f.Lost == 0)} | {f.PerInstance} | " +
                $"{f.FirstToLast.TotalSeconds:N1} s |"));
        Console.WriteLine();
        Console.WriteLine("Kill -9 of one of three instances at 40% (targets: the others finish, 0 lost, duplicates ≤ its in-flight):");
        Console.WriteLine();
        Console.WriteLine("| database | killed at | its deliveries in Sending | its calls unanswered | duplicates | lost | " +
            "peak 1-s window | last call after the kill |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var f in kills)
        {
            var kill = f.Kill!;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {f.Database} | {kill.ReachedBefore:N0} reached | {kill.InFlight} | {kill.Unanswered} | " +
                $"{f.Duplicates}{Missed(f.Duplicates <= kill.InFlight)} | {f.Lost}{Missed(f.Lost == 0)} | {f.PeakWindow} | " +
                $"{kill.Finish.TotalSeconds:N1} s |"));
        }
    }

    private static async Task<ClusterFigures> RunAsync(Func<Task<ClusterDatabase>> database, ClusterPlan plan)
    {
        await using var db = await database();
        var figures = await ClusterSend.RunAsync(plan, db, Console.WriteLine);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{db.Name}, {plan.Instances} instance(s){(plan.KillAt is null ? "" : ", one killed")}: {figures.Calls} calls, " +
            $"peak {figures.PeakWindow}, {figures.RateToLimit:N3} × the limit; {figures.PauseDetail}; {figures.DropDetail}"));
        return figures;
    }

    private static string Missed(bool met) => met ? "" : " (MISSED)";
}
