using FluentValidation;

namespace BulkSender.Core.Channels.Settings;

public sealed class ChannelSettingsInputValidator : AbstractValidator<ChannelSettingsInput>
{
    public ChannelSettingsInputValidator()
    {
        RuleFor(i => i).Custom((input, context) =>
        {
            foreach (var (name, value) in input.Values)
            {
                if (ChannelSettingFields.Find(input.Channel, name) is not { } field)
                    context.AddFailure(name, $"{input.Channel} has no setting '{name}'.");
                else if (value?.Trim() is { Length: > 0 } text && field.Problem(text) is { } problem)
                    context.AddFailure(name, problem);
            }
            foreach (var name in input.Clear ?? [])
                if (name is null)
                    context.AddFailure(nameof(ChannelSettingsInput.Clear), "A setting to clear needs a name, not null.");
                else if (ChannelSettingFields.Find(input.Channel, name) is not { IsSecret: true })
                    context.AddFailure(name, $"'{name}' is not a secret of {input.Channel}.");
        });
    }
}
