using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace BulkSender.Tests.TestSupport;

/// <summary>Counts the database commands a host's contexts execute (an EF Core interceptor).</summary>
public sealed class CommandCounter : DbCommandInterceptor
{
    private int count;

    public int Count => Volatile.Read(ref count);

    public void Reset() => Interlocked.Exchange(ref count, 0);

    public override DbCommand CommandInitialized(CommandEndEventData eventData, DbCommand result)
    {
        Interlocked.Increment(ref count);
        return result;
    }
}
