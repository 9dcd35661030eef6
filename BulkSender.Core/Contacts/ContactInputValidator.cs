using FluentValidation;

namespace BulkSender.Core.Contacts;

/// <summary>The rules for one contact, shared by the CSV import and the edit form.</summary>
public sealed class ContactInputValidator : AbstractValidator<ContactInput>
{
    public ContactInputValidator()
    {
        RuleFor(c => c.Name).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("The name is empty.")
            .MaximumLength(200).WithMessage("The name is longer than 200 characters.");
        RuleFor(c => c.Channel).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("The channel is empty (use messenger, email or whatsapp).")
            .Must(c => ContactAddress.TryParseChannel(c, out _)).WithMessage(c =>
                $"Unknown channel '{c.Channel}' (use messenger, email or whatsapp).");
        RuleFor(c => c.NormalizedAddress)
            .Must((c, address) => ContactAddress.Problem(c.ParsedChannel!.Value, address) is null)
            .WithMessage((c, address) => ContactAddress.Problem(c.ParsedChannel!.Value, address))
            .When(c => c.ParsedChannel is not null)
            .OverridePropertyName(nameof(ContactInput.Address));
        RuleFor(c => c.ParsedTags)
            .Must(tags => tags.All(ContactTags.IsValid))
            .WithMessage(c => $"Tags may use letters, digits, '-' and '_' (up to {ContactTags.MaxLength} characters): " +
                $"'{string.Join("', '", c.ParsedTags.Where(t => !ContactTags.IsValid(t)))}'.")
            .OverridePropertyName(nameof(ContactInput.Tags));
        RuleForEach(c => c.Fields)
            .Must(f => (f.Value?.Trim().Length ?? 0) <= ContactFieldKeys.MaxValueLength)
            .WithMessage((_, f) => $"The {f.Key} is longer than {ContactFieldKeys.MaxValueLength:N0} characters.")
            .OverridePropertyName(nameof(ContactInput.Fields));
        RuleFor(c => c.ParsedOptedOut)
            .NotNull().WithMessage(c => $"opted_out must be true or false, not '{c.OptedOut}'.")
            .OverridePropertyName(nameof(ContactInput.OptedOut));
        RuleFor(c => c.ParsedLastInboundAt)
            .NotNull().When(c => c.HasLastInboundAt)
            .WithMessage(c => $"last_inbound_at must be an ISO 8601 date and time such as 2026-11-30T14:05:00Z, not '{c.LastInboundAt}'.")
            .OverridePropertyName(nameof(ContactInput.LastInboundAt));
    }
}
