using System.Globalization;
using BulkSender.Core.Activity;
using BulkSender.Core.Attachments;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Compliance;
using BulkSender.Core.Contacts;
using BulkSender.Core.Data;
using BulkSender.Core.Personalization;
using BulkSender.Core.Retries;
using BulkSender.Core.Templates;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Messages;

public enum TestSendStatus
{
    /// <summary>The provider accepted it (<see cref="TestSendOutcome.Result"/> has its message id).</summary>
    Sent,

    /// <summary>The provider refused it (<see cref="TestSendOutcome.Result"/> says how).</summary>
    Failed,

    /// <summary>
    /// The provider was not called: the channel is paused, the contact is outside the messaging window, or the
    /// personalized text is too long.
    /// </summary>
    NotSent,

    /// <summary>The message or the recipient is not valid (<see cref="TestSendOutcome.Errors"/>); nothing happened.</summary>
    Invalid,
}

/// <summary>How a test send went: <see cref="Summary"/> is what the operator reads.</summary>
public sealed record TestSendOutcome(TestSendStatus Status, string Summary, ChannelResult? Result, IReadOnlyDictionary<string, string[]> Errors)
{
    public static TestSendOutcome Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(TestSendStatus.Invalid, string.Join(" ", errors.SelectMany(e => e.Value)), null, errors);

    public static TestSendOutcome Invalid(string property, string error) => Invalid(new Dictionary<string, string[]> { [property] = [error] });
}

/// <summary>
/// "Send a test to…": the compose form's message, rendered for one contact (their fields) or for an address typed for
/// the channel (no custom values: defaults apply, the name is empty), sent through the channel's adapter as a batch
/// would (<see cref="ChannelAdapters"/>: simulated until the channel is configured), with the compose's attachment.
/// </summary>
/// <remarks>
/// The message is checked by <see cref="ComposeValidator"/> first, its audience, timing and retries aside (a test has
/// none), so an invalid compose gets the form's errors. A test counts in no totals: no message, no delivery, nothing
/// taken from the daily quota or WhatsApp's messaging limit, nothing in the funnel. It waits for the channel's rate
/// limiter and takes one of its in-flight slots like any send (its latency joins the channel's observed latency: the
/// first call of a process, which goes alone, may be a test), is not made while the channel is paused, and is logged in
/// the activity with its result. A pausing or suppressing error from the provider is acted on as it would be for a real
/// send.
/// </remarks>
public sealed class TestSends(
    IDbContextFactory<AppDbContext> dbs,
    ComposeValidator validator,
    ChannelAdapters channels,
    ChannelRateLimiter limiter,
    InFlightLimiter inFlight,
    ChannelPauses pauses,
    ContactFieldDefinitions fields,
    WhatsAppTemplateQueries templates,
    AttachmentStore attachments,
    TimeProvider clock)
{
    public async Task<TestSendOutcome> SendAsync(TestSendModel model, Actor sender, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var validation = await validator.ValidateAsync(TestSendModel.For(model, null, null), cancellationToken);
        if (!validation.IsValid)
            return TestSendOutcome.Invalid(new Dictionary<string, string[]>(validation.ToDictionary()));
        var (target, problem) = await TargetAsync(model, cancellationToken);
        if (target is null)
            return TestSendOutcome.Invalid(problem!.Value.Property, problem.Value.Error);

        var template = model.Channel == ChannelKind.WhatsApp && model.WhatsAppTemplate is { } choice
            ? await templates.FindAsync(choice.Name.Trim(), choice.Language.Trim(), cancellationToken)
            : null;
        var attachment = model.AttachmentId is { } attachmentId ? await attachments.FindAsync(attachmentId, cancellationToken) : null;
        if (AttachmentRules.SendProblem(model.AttachmentId, attachment, template) is { } attachmentProblem)
            return TestSendOutcome.Invalid(nameof(ComposeModel.AttachmentId), attachmentProblem);

        var outcome = await SendAsync(model, target, template, cancellationToken);
        await LogAsync(model, target, outcome, sender);
        return outcome;
    }

    /// <summary>Who gets the test, or which field is wrong and why.</summary>
    private async Task<(Target? Target, (string Property, string Error)? Problem)> TargetAsync(TestSendModel model,
        CancellationToken cancellationToken)
    {
        var channelName = ContactFields.ChannelName(model.Channel);
        var typed = !string.IsNullOrWhiteSpace(model.Address);
        if (model.ContactId is null == !typed)
            return (null, (nameof(TestSendModel.ContactId), model.ContactId is null
                ? "Choose a contact or type an address to send the test to."
                : "Send the test to a contact or to an address, not both."));
        if (typed)
        {
            var address = ContactAddress.Normalize(model.Channel, model.Address);
            return ContactAddress.Problem(model.Channel, address) is { } problem
                ? (null, (nameof(TestSendModel.Address), $"{problem} ({channelName} test)"))
                : (new Target(null, null, address, null, new Dictionary<string, string>()), null);
        }

        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var contact = await db.Contacts.AsNoTracking().Where(c => c.Id == model.ContactId)
            .Select(c => new { c.Id, c.Name, c.Address, c.Channel, c.OptedOut, c.LastInboundAt })
            .SingleOrDefaultAsync(cancellationToken);
        if (contact is null)
            return (null, (nameof(TestSendModel.ContactId), $"There is no contact {model.ContactId}: it may have been deleted."));
        if (contact.Channel != model.Channel)
            return (null, (nameof(TestSendModel.ContactId),
                $"{contact.Name} is a {ContactFields.ChannelName(contact.Channel)} contact; this message goes by {channelName}."));
        if (contact.OptedOut)
            return (null, (nameof(TestSendModel.ContactId), $"{contact.Name} opted out: they get nothing from us, not even a test."));
        var values = await ContactFieldDefinitions.ValuesOfAsync(db, contact.Id, cancellationToken);
        return (new Target(contact.Id, contact.Name, contact.Address, contact.LastInboundAt, values), null);
    }

    private async Task<TestSendOutcome> SendAsync(TestSendModel model, Target target, TemplateView? template,
        CancellationToken cancellationToken)
    {
        var channel = model.Channel;
        if (await pauses.IsPausedAsync(channel, cancellationToken))
            return await PausedAsync(channel, cancellationToken);
        var choice = channel == ChannelKind.WhatsApp && model.WhatsAppTemplate is { } input ? TemplateChoice.From(input, template?.Slots) : null;
        // As a saved send: a template message without its own text is shown as the template's body.
        var content = choice is not null && string.IsNullOrEmpty(model.Content)
            ? template?.BodyText ?? $"WhatsApp template {choice.Name} ({choice.Language})"
            : model.Content;
        if (target.ContactId is not null
            && MessagingWindow.Check(channel, target.LastInboundAt, clock.GetUtcNow(), choice is not null) is { } outside)
            return NotSent($"Not sent to {target.Who}: {outside.ErrorMessage}.");
        var rendered = new MessageRenderer(model.Title, content, channel, choice, await fields.FieldSetAsync(cancellationToken))
            .Render(new RecipientValues(target.Name, target.Address, channel, target.Fields));
        if (rendered.Problem is { } tooLong)
            return NotSent($"Not sent to {target.Who}: {tooLong}");

        // The adapter and the attachment are read before the slots are taken: nothing but the call comes after the grant.
        var adapter = await channels.ForAsync(channel, cancellationToken);
        var attachment = await attachments.OutgoingAsync(model.AttachmentId, cancellationToken);
        using var slot = await inFlight.AcquireAsync(channel, cancellationToken);
        var rate = await limiter.TakeAsync(channel, cancellationToken);
        slot.Start();
        ChannelResult result;
        try
        {
            result = await adapter.SendAsync(new OutgoingMessage(0, 0, channel, target.Address, target.Name, 1, rendered.Title,
                rendered.Content, null, rendered.Template)
            {
                IsTest = true,
                HtmlEncodedContentSource = rendered.HtmlEncodedSource,
                Attachment = attachment,
                CallSlots = new ProviderCallSlots(limiter, rate, pauses),
            }, cancellationToken);
        }
        catch (ChannelPausedException)
        {
            return await PausedAsync(channel, cancellationToken); // paused while the test waited for its slot: not made
        }
        return result.Succeeded
            ? new TestSendOutcome(TestSendStatus.Sent, $"Test sent to {target.Who}: {ContactFields.ChannelName(channel)} accepted it " +
                $"(message id {result.ProviderMessageId}).", result, Empty)
            : new TestSendOutcome(TestSendStatus.Failed, $"The test to {target.Who} failed: {result.ErrorType} " +
                $"({result.ErrorCode}) — {result.ErrorMessage}", result, Empty);
    }

    private static readonly Dictionary<string, string[]> Empty = [];

    private async Task<TestSendOutcome> PausedAsync(ChannelKind channel, CancellationToken cancellationToken)
    {
        var pause = (await pauses.ListAsync(cancellationToken)).FirstOrDefault(p => p.Channel == channel);
        return NotSent($"{ContactFields.ChannelName(channel)} is paused: {pause?.Reason ?? "an admin paused it"}. " +
            "Nothing was sent; an admin resumes the channel on the Settings page.");
    }

    private static TestSendOutcome NotSent(string why) => new(TestSendStatus.NotSent, why, null, Empty);

    private async Task LogAsync(TestSendModel model, Target target, TestSendOutcome outcome, Actor sender)
    {
        await using var db = await dbs.CreateDbContextAsync(CancellationToken.None);
        db.Activity.Add(ActivityLog.Entry(sender, ActivityActions.TestSent, clock.GetUtcNow().UtcDateTime,
            target.ContactId is null ? null : "Contact", target.ContactId?.ToString(CultureInfo.InvariantCulture),
            $"{ContactFields.ChannelName(model.Channel)} test of \"{model.Title}\" to {target.Who}: {outcome.Summary}"));
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private sealed record Target(int? ContactId, string? Name, string Address, DateTime? LastInboundAt,
        IReadOnlyDictionary<string, string> Fields)
    {
        public string Who => Name is { Length: > 0 } name ? $"{name} ({Address})" : Address;
    }
}
