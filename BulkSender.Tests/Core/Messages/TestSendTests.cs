using System.Globalization;
using BulkSender.Core.Activity;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Core.Messages;

/// <summary>"Send a test to…" against Core's real services and the simulated provider (CoreHost, a real SQLite file).</summary>
public sealed class TestSendTests : IAsyncLifetime
{
    private static readonly Actor Operator = new("op-1", "operator@test.local");
    private CoreHost host = null!;

    public async Task InitializeAsync() => host = await CoreHost.StartAsync(contacts: 30);

    public async Task DisposeAsync() => await host.DisposeAsync();

    private TestSends Tests => host.Services.GetRequiredService<TestSends>();

    private static TestSendModel Model(ChannelKind channel, int? contactId = null, string? address = null) => new()
    {
        Title = "Sale for {{ first_name | default: \"you\" }}",
        Content = "Hi {{ first_name | default: \"there\" }}, the sale starts today.",
        Channel = channel,
        ContactId = contactId,
        Address = address,
    };

    [Fact]
    public async Task A_test_to_a_contact_reaches_the_provider_rendered_for_them_and_counts_nowhere()
    {
        var id = (await host.ActiveContactIdsAsync(ChannelKind.Email, 1)).Single();
        string name, address;
        await using (var db = host.NewDbContext())
            (name, address) = await db.Contacts.Where(c => c.Id == id).Select(c => ValueTuple.Create(c.Name, c.Address)).SingleAsync();
        var first = name.Split(' ')[0];

        var outcome = await Tests.SendAsync(Model(ChannelKind.Email, contactId: id), Operator, CancellationToken.None);

        outcome.Status.ShouldBe(TestSendStatus.Sent, outcome.Summary);
        outcome.Result!.ProviderMessageId.ShouldNotBeNullOrEmpty();
        outcome.Summary.ShouldBe($"Test sent to {name} ({address}): E-mail accepted it (message id {outcome.Result.ProviderMessageId}).");
        var received = host.Provider.Tests().ShouldHaveSingleItem();
        (received.Address, received.Channel).ShouldBe((address, ChannelKind.Email));
        (received.Title, received.Text).ShouldBe(($"Sale for {first}", $"Hi {first}, the sale starts today."));

        await using var read = host.NewDbContext();
        (await read.Messages.CountAsync()).ShouldBe(0);
        (await read.Deliveries.CountAsync()).ShouldBe(0);
        var entry = await read.Activity.SingleAsync(a => a.Action == ActivityActions.TestSent);
        (entry.UserName, entry.EntityType, entry.EntityId).ShouldBe(("operator@test.local", "Contact", id.ToString(CultureInfo.InvariantCulture)));
        entry.Details.ShouldBe($"E-mail test of \"Sale for {{{{ first_name | default: \"you\" }}}}\" to {name} ({address}): {outcome.Summary}");
    }

    [Fact]
    public async Task A_test_is_a_provider_call_like_a_batchs_it_takes_an_in_flight_slot_and_its_answer_sets_the_channels_latency()
    {
        // A rate-limited channel lets one call go alone until a first answer shows the provider's latency; a test may be it.
        await using var slow = await CoreHost.StartAsync(contacts: 0, new Dictionary<string, string?>
        {
            ["Channels:Simulated:LatencyMs"] = "100",
            ["Channels:Simulated:LatencyJitterMs"] = "0",
            ["Channels:RatePerSecond:Email"] = "50",
            ["Channels:MaxInFlight:Email"] = "20",
        });
        var inFlight = slow.Services.GetRequiredService<InFlightLimiter>();
        inFlight.TargetOf(ChannelKind.Email).ShouldBe(1, "no answer seen yet: the first call goes alone");

        var sending = slow.Services.GetRequiredService<TestSends>().SendAsync(Model(ChannelKind.Email, address: "ana@example.com"), Operator,
            CancellationToken.None);
        await Waiting.UntilAsync(() => inFlight.InFlightOf(ChannelKind.Email) == 1, "the test holds a slot", TimeSpan.FromSeconds(10));
        (await sending).Status.ShouldBe(TestSendStatus.Sent);

        inFlight.InFlightOf(ChannelKind.Email).ShouldBe(0, "the slot went back with the answer");
        // About 100 ms (a timer may end the simulated wait a little before the clock's 100 ms): not the 1 s assumed before.
        var latency = inFlight.LatencyOf(ChannelKind.Email);
        latency.ShouldBeInRange(TimeSpan.FromMilliseconds(80), InFlightLimiter.InitialLatency - TimeSpan.FromTicks(1), "the answer's latency");
        // 50/s × the latency × 1.2 + 1 (at least 6): the batches that follow have their calls in flight together from the first.
        inFlight.TargetOf(ChannelKind.Email).ShouldBe((int)Math.Ceiling(50 * latency.TotalSeconds * InFlightLimiter.Headroom) + 1);
        inFlight.TargetOf(ChannelKind.Email).ShouldBeGreaterThanOrEqualTo(6);
    }

    [Fact]
    public async Task A_typed_address_gets_the_defaults_and_is_checked_like_a_contacts_address()
    {
        var outcome = await Tests.SendAsync(Model(ChannelKind.WhatsApp, address: "+1 (415) 555-0199"), Operator, CancellationToken.None);
        var refused = await Tests.SendAsync(Model(ChannelKind.WhatsApp, address: "0415 555"), Operator, CancellationToken.None);

        outcome.Status.ShouldBe(TestSendStatus.Sent, outcome.Summary);
        var received = host.Provider.Tests().ShouldHaveSingleItem();
        received.Address.ShouldBe("+14155550199");
        (received.Title, received.Text).ShouldBe(("Sale for you", "Hi there, the sale starts today."));
        refused.Status.ShouldBe(TestSendStatus.Invalid);
        refused.Errors[nameof(TestSendModel.Address)].ShouldBe(["'0415555' is not an E.164 phone number (like +14155550123). (WhatsApp test)"]);
    }

    [Fact]
    public async Task An_invalid_compose_gets_the_forms_errors_and_nothing_is_sent_or_logged()
    {
        var model = Model(ChannelKind.Email, address: "ana@example.com");
        model.Title = "";
        model.Content = "Hi {{ citty }}";

        var outcome = await Tests.SendAsync(model, Operator, CancellationToken.None);
        var nobody = await Tests.SendAsync(Model(ChannelKind.Email), Operator, CancellationToken.None);

        outcome.Status.ShouldBe(TestSendStatus.Invalid);
        outcome.Errors[nameof(ComposeModel.Title)].ShouldBe(["Give the message a title."]);
        outcome.Errors[nameof(ComposeModel.Content)].ShouldHaveSingleItem().ShouldStartWith("Content, line 1, column 7: unknown field \"citty\"");
        nobody.Errors[nameof(TestSendModel.ContactId)].ShouldBe(["Choose a contact or type an address to send the test to."]);
        host.Provider.Tests().ShouldBeEmpty();
        await using var read = host.NewDbContext();
        (await read.Activity.CountAsync(a => a.Action == ActivityActions.TestSent)).ShouldBe(0);
    }

    [Fact]
    public async Task A_paused_channel_answers_why_without_calling_the_provider()
    {
        await host.Services.GetRequiredService<ChannelPauses>()
            .PauseAsync(ChannelKind.WhatsApp, "131031", "the WhatsApp Business account is locked", CancellationToken.None);

        var outcome = await Tests.SendAsync(Model(ChannelKind.WhatsApp, address: "+14155550199"), Operator, CancellationToken.None);

        outcome.Status.ShouldBe(TestSendStatus.NotSent);
        outcome.Summary.ShouldStartWith("WhatsApp is paused: the WhatsApp Business account is locked. Nothing was sent");
        host.Provider.Tests().ShouldBeEmpty();
        await using var read = host.NewDbContext();
        (await read.Activity.SingleAsync(a => a.Action == ActivityActions.TestSent)).Details!.ShouldContain("WhatsApp is paused");
    }

    /// <summary>A test waiting out a back-off for its slot when the channel is paused (another call's 131048) is not made.</summary>
    [Fact]
    public async Task A_channel_paused_while_the_test_waits_for_its_slot_answers_why_without_calling_the_provider()
    {
        var backOff = TimeSpan.FromSeconds(2);
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        await host.Services.GetRequiredService<ChannelRateLimiter>().BackOffAsync(ChannelKind.WhatsApp, backOff, now, default);
        var inFlight = host.Services.GetRequiredService<InFlightLimiter>();

        var sending = Tests.SendAsync(Model(ChannelKind.WhatsApp, address: "+14155550199"), Operator, CancellationToken.None);
        await Waiting.UntilAsync(() => inFlight.InFlightOf(ChannelKind.WhatsApp) == 1 || sending.IsCompleted,
            "the test to take its in-flight slot and wait for its rate slot", TimeSpan.FromSeconds(10));
        sending.IsCompleted.ShouldBeFalse("it waits for the back-off's end");
        await host.Services.GetRequiredService<ChannelPauses>()
            .PauseAsync(ChannelKind.WhatsApp, "131048", "the phone number is restricted (spam rate limit)", CancellationToken.None);
        var outcome = await sending.WaitAsync(backOff + TimeSpan.FromSeconds(10));

        outcome.Status.ShouldBe(TestSendStatus.NotSent, outcome.Summary);
        outcome.Summary.ShouldStartWith("WhatsApp is paused: the phone number is restricted (spam rate limit). Nothing was sent");
        host.Provider.Tests().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_contact_of_another_channel_or_who_opted_out_is_refused()
    {
        var messenger = (await host.ActiveContactIdsAsync(ChannelKind.Messenger, 1)).Single();
        var email = (await host.ActiveContactIdsAsync(ChannelKind.Email, 1)).Single();
        await using (var db = host.NewDbContext())
            await db.Contacts.Where(c => c.Id == email).ExecuteUpdateAsync(s => s.SetProperty(c => c.OptedOut, true));

        var other = await Tests.SendAsync(Model(ChannelKind.Email, contactId: messenger), Operator, CancellationToken.None);
        var optedOut = await Tests.SendAsync(Model(ChannelKind.Email, contactId: email), Operator, CancellationToken.None);

        other.Errors[nameof(TestSendModel.ContactId)].ShouldHaveSingleItem().ShouldEndWith("is a Messenger contact; this message goes by E-mail.");
        optedOut.Errors[nameof(TestSendModel.ContactId)].ShouldHaveSingleItem()
            .ShouldEndWith("opted out: they get nothing from us, not even a test.");
        host.Provider.Tests().ShouldBeEmpty();
    }
}
