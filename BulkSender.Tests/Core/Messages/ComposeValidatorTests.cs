using BulkSender.Core.Channels;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Messages;

/// <summary>The rules the compose form and POST /api/messages share.</summary>
public sealed class ComposeValidatorTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    private static readonly ComposeValidator Validator = new(Clock);

    private static ComposeModel Valid() => new()
    {
        Title = "Winter sale", Content = "Hello!", Channel = ChannelKind.Messenger, Audience = AudienceKind.Selection, ContactIds = [1, 2, 3],
    };

    private static Dictionary<string, string[]> Errors(ComposeModel model) =>
        new(Validator.Validate(model).ToDictionary());

    [Fact]
    public void A_complete_form_is_valid()
    {
        Errors(Valid()).ShouldBeEmpty();
    }

    public static TheoryData<string, Action<ComposeModel>, string> Broken => new()
    {
        { "Title", m => m.Title = "", "Give the message a title." },
        { "Title", m => m.Title = new string('x', 201), "Keep the title under 200 characters." },
        { "Content", m => m.Content = "", "Write the message." },
        { "Content", m => m.Content = new string('x', 2001), "Too long for Messenger: 2,001 of 2,000 characters." },
        { "MessageTag", m => m.MessageTag = "MADE_UP", "A bulk Messenger send carries no message tag." },
        { "MessageTag", m => m.MessageTag = "account_update", "'ACCOUNT_UPDATE' was retired by Meta on 2026-04-27: Messenger refuses it. "
            + "Send without a tag: people who wrote in the last 24 hours get the message." },
        { "MessageTag", m => m.MessageTag = "CONFIRMED_EVENT_UPDATE",
            "'CONFIRMED_EVENT_UPDATE' was retired by Meta on 2026-04-27: Messenger refuses it. "
            + "Send without a tag: people who wrote in the last 24 hours get the message." },
        { "MessageTag", m => m.MessageTag = "POST_PURCHASE_UPDATE",
            "'POST_PURCHASE_UPDATE' was retired by Meta on 2026-04-27: Messenger refuses it. "
            + "Send without a tag: people who wrote in the last 24 hours get the message." },
        { "MessageTag", m => m.MessageTag = "HUMAN_AGENT",
            "HUMAN_AGENT is only for a reply a person writes to one contact (the Reply action on the message page), never for a bulk send." },
        { "MessageTag", m => (m.Channel, m.MessageTag) = (ChannelKind.Email, "ACCOUNT_UPDATE"), "Message tags are for Messenger only." },
        { "ContactIds", m => m.ContactIds = [], "No contacts selected: pick them on the Contacts page, or choose an audience." },
        { "ContactIds", m => m.ContactIds = Enumerable.Range(1, 2001).ToList(), "Select at most 2,000 contacts: this selection has 2,001." },
        { "AudienceTag", m => (m.Audience, m.AudienceTag) = (AudienceKind.Tag, null), "Choose a tag." },
        { "ScheduledAt", m => (m.When, m.ScheduledAt) = (SendTiming.At, null), "Choose the date and time to send at." },
        { "ScheduledAt", m => (m.When, m.ScheduledAt) = (SendTiming.At, Clock.GetUtcNow().UtcDateTime.AddMinutes(-1)),
            "Choose a time in the future." },
        { "MaxAttempts", m => m.MaxAttempts = 11, "Max attempts is between 1 and 10." },
        { "MaxAttempts", m => m.MaxAttempts = 0, "Max attempts is between 1 and 10." },
        { "Channel", m => m.Channel = (ChannelKind)42, "Choose a channel." },
        { "RetryPolicy", m => m.RetryPolicy = (RetryPolicyType)9, "Choose a retry policy." },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Each_broken_field_gets_a_clear_message(string property, Action<ComposeModel> breakIt, string message)
    {
        var model = Valid();
        breakIt(model);

        var errors = Errors(model);
        errors.ShouldContainKey(property);
        errors[property].ShouldBe([message]);
    }

    public static TheoryData<SendTiming, AudienceKind, string, string> Nulls => new()
    {
        { SendTiming.Now, AudienceKind.Selection, "Content", "Write the message." },
        { SendTiming.Draft, AudienceKind.Selection, "Content", "The content cannot be null: leave it empty instead." },
        { SendTiming.Now, AudienceKind.Selection, "ContactIds", "No contacts selected: pick them on the Contacts page, or choose an audience." },
        { SendTiming.Now, AudienceKind.Channel, "ContactIds", "The contact list cannot be null: send an empty list instead." },
        { SendTiming.Draft, AudienceKind.Selection, "ContactIds", "The contact list cannot be null: send an empty list instead." },
        { SendTiming.Now, AudienceKind.Selection, "Title", "Give the message a title." },
    };

    [Theory]
    [MemberData(nameof(Nulls))]
    public void A_null_where_a_value_is_required_is_one_clear_error_not_an_exception(SendTiming when, AudienceKind audience,
        string property, string message)
    {
        var model = Valid();
        (model.When, model.Audience) = (when, audience);
        typeof(ComposeModel).GetProperty(property)!.SetValue(model, null);

        var errors = Errors(model);

        errors.Keys.ShouldBe([property]);
        errors[property].ShouldBe([message]);
    }

    [Fact]
    public void A_draft_needs_only_a_title_and_keeps_the_limits()
    {
        var draft = new ComposeModel { Title = "Idea", When = SendTiming.Draft };
        Errors(draft).ShouldBeEmpty();

        draft.ContactIds = Enumerable.Range(1, 2001).ToList();
        Errors(draft).Keys.ShouldBe(["ContactIds"]);
    }

    [Fact]
    public void Each_channel_has_its_own_content_limit()
    {
        var model = Valid();
        model.Content = new string('x', 3000);
        model.Channel = ChannelKind.WhatsApp;
        Errors(model).ShouldBeEmpty();
        model.Content = new string('x', 4097);
        Errors(model)["Content"].ShouldBe(["Too long for WhatsApp: 4,097 of 4,096 characters."]);
    }
}
