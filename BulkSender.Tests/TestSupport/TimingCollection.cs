namespace BulkSender.Tests.TestSupport;

/// <summary>
/// Tests that measure time (rates, efficiency) run alone, after the parallel ones: on a 2-core machine a browser
/// test next to them would measure the machine, not the code.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}
