using System.Reflection;
using BulkSender.Benchmarks;

// Benchmarks are not tests: each prints its figures; the README records the latest ones.
// Usage: dotnet run -c Release --project benchmarks/BulkSender.Benchmarks -- [name ...]   (no name: all)
var all = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name)
    .ToList();

var chosen = args.Length == 0 ? all : all.Where(b => args.Contains(b.Name, StringComparer.OrdinalIgnoreCase)).ToList();
if (chosen.Count == 0)
{
    Console.Error.WriteLine($"Unknown benchmark. Available: {string.Join(", ", all.Select(b => b.Name))}");
    return 2;
}

foreach (var benchmark in chosen)
{
    Console.WriteLine($"== {benchmark.Name}: {benchmark.Description}");
    await benchmark.RunAsync(CancellationToken.None);
}
return 0;
