using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;

namespace BulkSender.Tests.Core.Dispatch;

/// <summary>How sends are cut into batches and what status and summary a finished send gets.</summary>
public sealed class SendOutcomeTests
{
    [Theory]
    [InlineData(250, 100, new[] { 100, 100, 50 })]
    [InlineData(2000, 100, new[] { 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100 })]
    [InlineData(100, 100, new[] { 100 })]
    [InlineData(1, 100, new[] { 1 })]
    [InlineData(0, 100, new int[0])]
    [InlineData(7, 3, new[] { 3, 3, 1 })]
    public void Recipients_are_cut_into_full_batches_and_a_smaller_last_one(int recipients, int batchSize, int[] sizes)
    {
        var options = new DispatchOptions { BatchSize = batchSize };

        options.BatchSizes(recipients).ShouldBe(sizes);
        options.BatchesFor(recipients).ShouldBe(sizes.Length);
    }

    [Theory]
    [InlineData(false, 250, 250, 0, 0, 3, MessageStatus.Sent, "Sent to 250 recipients. 0 failed. Processed in 3 batches.")]
    [InlineData(false, 250, 235, 15, 0, 3, MessageStatus.PartiallySent, "Sent to 235 recipients. 15 failed. Processed in 3 batches.")]
    [InlineData(false, 250, 0, 250, 0, 3, MessageStatus.Failed, "Sent to 0 recipients. 250 failed. Processed in 3 batches.")]
    [InlineData(false, 1, 1, 0, 0, 1, MessageStatus.Sent, "Sent to 1 recipient. 0 failed. Processed in 1 batch.")]
    [InlineData(false, 2000, 1990, 0, 10, 20, MessageStatus.Sent,
        "Sent to 1,990 recipients. 0 failed. 10 skipped (opted out). Processed in 20 batches.")]
    [InlineData(false, 5, 0, 0, 5, 1, MessageStatus.Failed, "Sent to 0 recipients. 0 failed. 5 skipped (opted out). Processed in 1 batch.")]
    [InlineData(true, 250, 120, 3, 0, 3, MessageStatus.Cancelled, "Cancelled. Sent to 120 recipients. 3 failed. 127 not sent.")]
    public void The_final_status_and_summary_follow_from_the_counts(bool cancelled, int total, int sent, int failed, int skipped, int batches,
        MessageStatus status, string summary)
    {
        SendOutcome.Decide(cancelled, total, sent, failed, skipped, batches).ShouldBe(new SendOutcome(status, summary));
    }

    [Fact]
    public void A_stale_threshold_shorter_than_two_heartbeats_is_refused_at_start()
    {
        new DispatchOptions().Validate(new(new object())).ShouldBeEmpty();
        new DispatchOptions { HeartbeatInterval = TimeSpan.FromMinutes(6) }.Validate(new(new object())).ShouldHaveSingleItem()
            .ErrorMessage.ShouldBe("Dispatch:StaleAfter must be at least twice Dispatch:HeartbeatInterval, or live batches would be taken back.");
        new BulkSender.Core.Channels.ChannelsOptions { RatePerSecond = { [BulkSender.Core.Channels.ChannelKind.Email] = -1 } }
            .Validate(new(new object())).ShouldNotBeEmpty();
    }
}
