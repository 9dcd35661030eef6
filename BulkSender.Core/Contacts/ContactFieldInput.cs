using FluentValidation;

namespace BulkSender.Core.Contacts;

/// <summary>A custom field as an admin types it (the Settings form, or the API). Mutable: MudForm binds to it.</summary>
public sealed class ContactFieldInput
{
    public string Key { get; set; } = "";
    public string Label { get; set; } = "";
    public string? DefaultValue { get; set; }
}

/// <summary>The rules of a field's key, label and default, shared by the form and <see cref="ContactFieldDefinitions"/>.</summary>
public sealed class ContactFieldInputValidator : AbstractValidator<ContactFieldInput>
{
    public ContactFieldInputValidator()
    {
        RuleFor(f => f.Key)
            .Must(key => ContactFieldKeys.Problem(key) is null)
            .WithMessage(f => ContactFieldKeys.Problem(f.Key));
        RuleFor(f => f.Label).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("Give the field a label.")
            .MaximumLength(ContactFieldKeys.MaxLabelLength).WithMessage($"The label is longer than {ContactFieldKeys.MaxLabelLength} characters.");
        RuleFor(f => f.DefaultValue)
            .MaximumLength(ContactFieldKeys.MaxValueLength)
            .WithMessage($"The default is longer than {ContactFieldKeys.MaxValueLength:N0} characters.");
    }
}
