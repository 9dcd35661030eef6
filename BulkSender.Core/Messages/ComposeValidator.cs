using BulkSender.Core.Attachments;
using BulkSender.Core.Channels;
using BulkSender.Core.Channels.Messenger;
using BulkSender.Core.Contacts;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Personalization;
using BulkSender.Core.Templates;
using FluentValidation;

namespace BulkSender.Core.Messages;

/// <summary>
/// The rules of a send that need no database: the compose form runs them field by field, POST /api/messages runs
/// them whole. What needs the database (contacts exist, not opted out) is checked when the send is created.
/// A draft only needs a title; everything else is checked when it is sent.
/// </summary>
public sealed class ComposeValidator : AbstractValidator<ComposeModel>
{
    public const int MaxTitleLength = 200;
    public const int MaxDailyLimit = 10_000;

    /// <param name="templates">The stored WhatsApp templates a template send is checked against (<see cref="WhatsAppTemplateRules"/>).</param>
    /// <param name="fields">The admin's custom fields templates may use; null: only the standard fields.</param>
    public ComposeValidator(TimeProvider clock, WhatsAppTemplateQueries? templates = null, ContactFieldDefinitions? fields = null)
    {
        RuleFor(m => m.Title)
            .NotEmpty().WithMessage("Give the message a title.")
            .MaximumLength(MaxTitleLength).WithMessage($"Keep the title under {MaxTitleLength} characters.");
        RuleFor(m => m.Channel).IsInEnum().WithMessage("Choose a channel.");
        RuleFor(m => m.Audience).IsInEnum().WithMessage("Choose who receives the message.");
        RuleFor(m => m.When).IsInEnum().WithMessage("Choose when to send.");

        // Null never reaches here from the API (the JSON reader refuses it), but the rules must not throw on it either.
        RuleFor(m => m.Content)
            .Must((m, content) => content is null || content.Length <= ChannelLimits.MaxContentLength(m.Channel))
            .WithMessage(m => $"Too long for {m.Channel}: {m.Content.Length:N0} of {ChannelLimits.MaxContentLength(m.Channel):N0} characters.");
        RuleFor(m => m.Content)
            .NotNull().When(m => m.When == SendTiming.Draft)
            .WithMessage("The content cannot be null: leave it empty instead.");

        RuleFor(m => m.MessageTag)
            .Must(tag => !MessengerMessaging.IsRetired(tag)).When(m => m.Channel == ChannelKind.Messenger)
            .WithMessage(m => $"'{m.MessageTag?.Trim().ToUpperInvariant()}' was retired by Meta on {MessengerMessaging.TagsRetiredOn:yyyy-MM-dd}: " +
                "Messenger refuses it. Send without a tag: people who wrote in the last 24 hours get the message.");
        RuleFor(m => m.MessageTag)
            .Must(tag => !MessengerMessaging.IsHumanAgent(tag)).When(m => m.Channel == ChannelKind.Messenger)
            .WithMessage("HUMAN_AGENT is only for a reply a person writes to one contact (the Reply action on the message page), " +
                "never for a bulk send.");
        RuleFor(m => m.MessageTag)
            .Empty()
            .When(m => m.Channel == ChannelKind.Messenger && !MessengerMessaging.IsRetired(m.MessageTag)
                && !MessengerMessaging.IsHumanAgent(m.MessageTag))
            .WithMessage("A bulk Messenger send carries no message tag.");
        RuleFor(m => m.MessageTag)
            .Empty().When(m => m.Channel != ChannelKind.Messenger)
            .WithMessage("Message tags are for Messenger only.");

        RuleFor(m => m.ContactIds)
            .NotNull().When(m => m.When == SendTiming.Draft || m.Audience != AudienceKind.Selection)
            .WithMessage("The contact list cannot be null: send an empty list instead.");
        RuleFor(m => m.ContactIds)
            .Must(ids => ids is null || ids.Count <= DispatchOptions.MaxSelection)
            .WithMessage(m => $"Select at most {DispatchOptions.MaxSelection:N0} contacts: this selection has {m.ContactIds.Count:N0}.");
        RuleFor(m => m.ScheduledAt)
            .Must(at => at > clock.GetUtcNow().UtcDateTime)
            .When(m => m.When is SendTiming.At or SendTiming.Campaign && m.ScheduledAt is not null)
            .WithMessage("Choose a time in the future.");
        RuleFor(m => m.MaxAttempts)
            .InclusiveBetween(1, 10).When(m => m.MaxAttempts is not null)
            .WithMessage("Max attempts is between 1 and 10.");
        RuleFor(m => m.RetryPolicy).IsInEnum().When(m => m.RetryPolicy is not null).WithMessage("Choose a retry policy.");

        When(m => m.When != SendTiming.Draft, () =>
        {
            RuleFor(m => m.Content).NotEmpty().When(m => m.WhatsAppTemplate is null).WithMessage("Write the message.");
            RuleFor(m => m.ContactIds)
                .NotEmpty().When(m => m.Audience == AudienceKind.Selection)
                .WithMessage("No contacts selected: pick them on the Contacts page, or choose an audience.");
            RuleFor(m => m.AudienceTag)
                .NotEmpty().When(m => m.Audience == AudienceKind.Tag)
                .WithMessage("Choose a tag.");
            RuleFor(m => m.ScheduledAt)
                .NotNull().When(m => m.When == SendTiming.At)
                .WithMessage("Choose the date and time to send at.");
            RuleFor(m => m.DailyLimit)
                .NotNull().When(m => m.When == SendTiming.Campaign)
                .WithMessage("Choose how many recipients a day.");
        });
        RuleFor(m => m.Content)
            .Must(content => content is null || content.Length <= AttachmentRules.MaxWhatsAppCaption)
            .When(m => m.Channel == ChannelKind.WhatsApp && m.AttachmentId is not null && m.WhatsAppTemplate is null)
            .WithMessage(m => $"With an attachment, WhatsApp sends the text as its caption: at most {AttachmentRules.MaxWhatsAppCaption:N0} " +
                $"characters ({m.Content.Length:N0} now).");
        RuleFor(m => m.DailyLimit)
            .InclusiveBetween(1, MaxDailyLimit).When(m => m.DailyLimit is not null)
            .WithMessage($"The daily limit is between 1 and {MaxDailyLimit:N0}.");
        if (templates is not null)
            Include(new WhatsAppTemplateRules(templates, fields));
        Include(new PersonalizationRules(fields));
    }
}
