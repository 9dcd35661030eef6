using System.Runtime;

namespace BulkSender.Tests.TestSupport;

/// <summary>
/// No garbage collection in this process while a measurement runs (<see cref="GC.TryStartNoGCRegion(long)"/>), so the
/// loopback provider it hosts stamps each call when it comes. A collection stops every thread of the process: in the
/// test host, one gen-0 collection during a cluster send paused it for 120–210 ms, and the calls that reached the socket
/// meanwhile were stamped together when it resumed: 106–116 "arrivals" in one second while a capture of the loopback
/// interface (tcpdump) showed at most 100 on the wire. <see cref="Collections"/> says whether the region held.
/// </summary>
public sealed class NoCollections : IDisposable
{
    /// <summary>
    /// The allocations the region allows: a 2,000-recipient cluster send allocates tens of MB in the provider's process
    /// (the server's requests and answers, the run's database polls).
    /// </summary>
    private const long Budget = 240L * 1024 * 1024;

    private readonly int before;
    private readonly long allocatedBefore;

    public NoCollections()
    {
        if (GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
            GC.TryStartNoGCRegion(Budget); // collects first, to make room; false: no region, and Collections will say so
        before = GC.CollectionCount(0);
        allocatedBefore = GC.GetTotalAllocatedBytes();
    }

    /// <summary>Collections in this process since the region began (0: the provider's clock never stopped for one).</summary>
    public int Collections => GC.CollectionCount(0) - before;

    /// <summary>Bytes this process allocated since the region began, of the <see cref="Budget"/>.</summary>
    public long Allocated => GC.GetTotalAllocatedBytes() - allocatedBefore;

    public void Dispose()
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            GC.EndNoGCRegion();
    }
}
