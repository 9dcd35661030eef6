using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;

namespace BulkSender.Tests.Core.Messages;

public sealed class MessageQueriesTests : IAsyncLifetime
{
    private static readonly DateTime Now = new(2026, 11, 23, 15, 30, 0, DateTimeKind.Utc);
    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await database.DisposeAsync();

    private MessageQueries Queries => new(database);

    private static Message NewMessage(string title, ChannelKind channel = ChannelKind.Email, MessageStatus status = MessageStatus.Sent,
        int minutesAgo = 0) => new()
        {
            Title = title, Content = "Hello", Channel = channel, Status = status, MaxAttempts = 3, CreatedAt = Now.AddMinutes(-minutesAgo),
        };

    [Fact]
    public async Task A_snapshot_has_the_messages_counts_and_all_its_batches_in_number_order()
    {
        int id;
        await using (var db = database.CreateDbContext())
        {
            var message = NewMessage("Spring news", status: MessageStatus.Sending);
            (message.TotalRecipients, message.SentCount, message.FailedCount, message.BatchCount) = (150, 90, 5, 2);
            db.Messages.Add(message);
            await db.SaveChangesAsync();
            id = message.Id;
            db.Batches.AddRange(
                new MessageBatch { MessageId = id, Number = 2, RecipientCount = 50, Status = BatchStatus.Pending },
                new MessageBatch
                {
                    MessageId = id, Number = 1, RecipientCount = 100, Status = BatchStatus.Completed, SentCount = 90, FailedCount = 5,
                });
            await db.SaveChangesAsync();
        }

        var snapshot = await Queries.SnapshotAsync(id, CancellationToken.None);

        snapshot.ShouldNotBeNull();
        (snapshot.Title, snapshot.Status, snapshot.TotalRecipients, snapshot.SentCount, snapshot.FailedCount)
            .ShouldBe(("Spring news", MessageStatus.Sending, 150, 90, 5));
        snapshot.Batches.Select(b => (b.Number, b.Status, b.SentCount)).ShouldBe([(1, BatchStatus.Completed, 90), (2, BatchStatus.Pending, 0)]);
        (await Queries.SnapshotAsync(id + 1, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task The_retry_state_is_the_messages_policy_and_how_far_its_retries_went()
    {
        int id;
        await using (var db = database.CreateDbContext())
        {
            var message = NewMessage("Reminder");
            (message.RetryPolicy, message.MaxAttempts, message.RetryCount, message.NextRetryAt, message.FailedCount) =
                (RetryPolicyType.Scheduled, 4, 1, Now.AddMinutes(15), 12);
            db.Messages.Add(message);
            await db.SaveChangesAsync();
            id = message.Id;
        }

        var state = await Queries.RetryStateAsync(id, CancellationToken.None);

        state.ShouldBe(new MessageRetryState(RetryPolicyType.Scheduled, 4, 1, Now.AddMinutes(15), 12));
    }

    [Fact]
    public async Task The_list_is_newest_first_filtered_by_status_and_channel_and_paged_with_its_total()
    {
        (await Queries.AnyAsync(CancellationToken.None)).ShouldBeFalse();
        await using (var db = database.CreateDbContext())
        {
            db.Messages.AddRange(
                NewMessage("Oldest email", minutesAgo: 30), NewMessage("Email draft", status: MessageStatus.Draft, minutesAgo: 20),
                NewMessage("WhatsApp", ChannelKind.WhatsApp, minutesAgo: 10), NewMessage("Newest email", minutesAgo: 5),
                NewMessage("Middle email", minutesAgo: 15));
            await db.SaveChangesAsync();
        }

        (await Queries.AnyAsync(CancellationToken.None)).ShouldBeTrue();
        var all = await Queries.ListAsync(null, null, 0, 10, CancellationToken.None);
        all.Total.ShouldBe(5);
        all.Rows.Select(r => r.Title).ShouldBe(["Newest email", "WhatsApp", "Middle email", "Email draft", "Oldest email"]);
        var sentEmail = await Queries.ListAsync(MessageStatus.Sent, ChannelKind.Email, 1, 1, CancellationToken.None);
        sentEmail.Total.ShouldBe(3);
        sentEmail.Rows.Single().Title.ShouldBe("Middle email");
    }
}
