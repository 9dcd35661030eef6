using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Data;
using BulkSender.Tests.Core.Dispatch;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Channels;

public sealed class ChannelPausesTests
{
    /// <summary>
    /// The send path asks before every recipient: when the set is old, the workers asking together share one read
    /// (each reading it for itself, every worker of a busy send queried the database at once every 5 s, and the
    /// provider's slots passed meanwhile), and all of them see its answer: another instance's pause.
    /// </summary>
    [Fact]
    public async Task Workers_that_find_the_set_old_together_share_one_read_and_all_see_another_instances_pause()
    {
        await using var database = await TestDatabase.CreateAsync();
        var dbs = new HeldReads(database);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        var pauses = new ChannelPauses(dbs, clock, NullLogger<ChannelPauses>.Instance);
        (await pauses.IsPausedAsync(ChannelKind.Email, default)).ShouldBeFalse();
        dbs.Reads.ShouldBe(1);

        await using (var db = database.CreateDbContext()) // another instance pauses the channel
        {
            db.ChannelPauses.Add(new ChannelPause
            {
                Channel = ChannelKind.Email, ErrorCode = "190", Reason = "paused elsewhere", Since = clock.GetUtcNow().UtcDateTime,
            });
            await db.SaveChangesAsync();
        }
        clock.Advance(ChannelPauses.RefreshEvery);
        dbs.Hold();
        var asked = 0; // a call that returned is waiting for the read it started or joined
        var asking = Enumerable.Range(0, 20).Select(_ => Task.Run(() =>
        {
            var answer = pauses.IsPausedAsync(ChannelKind.Email, default).AsTask();
            Interlocked.Increment(ref asked);
            return answer;
        })).ToList();
        await SendBatchJobTests.Until(() => Volatile.Read(ref asked) == 20, timeoutSeconds: 10);
        asking.ShouldAllBe(answer => !answer.IsCompleted, "the read is held: nobody has an answer yet");
        dbs.Release();

        (await Task.WhenAll(asking).WaitAsync(TimeSpan.FromSeconds(10))).ShouldAllBe(paused => paused);
        dbs.Reads.ShouldBe(2, "twenty workers, one read");
    }

    /// <summary>Counts the contexts created for reads, and can hold a read until released.</summary>
    private sealed class HeldReads(TestDatabase database) : IDbContextFactory<AppDbContext>
    {
        private TaskCompletionSource held = CompletedSource();
        private int reads;

        public int Reads => Volatile.Read(ref reads);

        public void Hold() => held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => held.TrySetResult();

        public AppDbContext CreateDbContext()
        {
            Interlocked.Increment(ref reads);
            return database.CreateDbContext();
        }

        public async Task<AppDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref reads);
            await held.Task.WaitAsync(cancellationToken);
            return database.CreateDbContext();
        }

        private static TaskCompletionSource CompletedSource()
        {
            var source = new TaskCompletionSource();
            source.SetResult();
            return source;
        }
    }
}
