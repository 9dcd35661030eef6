using System.Globalization;
using System.Reflection;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.Core.Activity;

/// <summary>Every step of a message's life leaves an entry saying who did it, to what, and when.</summary>
public sealed class MessageActivityTests : IAsyncLifetime
{
    private static readonly Actor Operator = new("op-1", "operator@test.local");
    private CoreHost host = null!;

    public async Task InitializeAsync() => host = await CoreHost.StartAsync(contacts: 30);

    public async Task DisposeAsync() => await host.DisposeAsync();

    private async Task<List<ActivityEntry>> EntriesAsync()
    {
        await using var db = host.NewDbContext();
        return await db.Activity.OrderBy(a => a.Id).ToListAsync();
    }

    [Fact]
    public async Task Drafting_scheduling_unscheduling_sending_and_cancelling_are_each_logged_for_the_operator()
    {
        var ids = await host.ActiveContactIdsAsync(ChannelKind.Email, 10);
        var model = CoreHost.Compose(ChannelKind.Email, ids, "Spring sale");
        model.When = SendTiming.Draft;
        var draft = (await host.Sends.SaveAsync(model, null, Operator, CancellationToken.None)).MessageId;

        model.When = SendTiming.At;
        model.ScheduledAt = DateTime.UtcNow.AddDays(1);
        (await host.Sends.SaveAsync(model, draft, Operator, CancellationToken.None)).Errors.ShouldBeEmpty();
        (await host.Sends.UnscheduleAsync(draft, Operator, CancellationToken.None)).ShouldBeTrue();
        model.When = SendTiming.Now;
        model.ScheduledAt = null;
        (await host.Sends.SaveAsync(model, draft, Operator, CancellationToken.None)).Errors.ShouldBeEmpty();
        (await host.Sends.CancelAsync(draft, Operator, CancellationToken.None)).ShouldBe(CancelOutcome.Cancelled);

        var entries = await EntriesAsync();
        entries.Select(e => e.Action).ShouldBe([
            ActivityActions.DraftSaved, ActivityActions.MessageScheduled, ActivityActions.MessageUnscheduled,
            ActivityActions.MessageSent, ActivityActions.MessageCancelled]);
        entries.ShouldAllBe(e => e.UserId == "op-1" && e.UserName == "operator@test.local" && e.EntityType == "Message"
            && e.EntityId == draft.ToString(CultureInfo.InvariantCulture));
        entries[3].Details.ShouldNotBeNull().ShouldContain("Spring sale");
    }

    [Fact]
    public void Every_action_the_code_can_write_has_a_label_for_the_activity_page()
    {
        var constants = typeof(ActivityActions).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();

        constants.Count.ShouldBeGreaterThan(20);
        constants.ShouldBe(ActivityActions.All, ignoreOrder: true);
        constants.ShouldAllBe(a => ActivityActions.Label(a) != a);
        ActivityActions.Label(ActivityActions.RetryPolicyChanged).ShouldBe("Changed a retry policy");
        ActivityActions.Label("something.older").ShouldBe("something.older");
    }
}
