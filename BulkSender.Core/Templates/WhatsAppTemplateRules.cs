using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using BulkSender.Core.Messages;
using FluentValidation;

namespace BulkSender.Core.Templates;

/// <summary>
/// The template part of <see cref="ComposeValidator"/> (form and API alike): templates are for WhatsApp; a send names
/// a stored template that is approved, maps every parameter to a contact field or to fixed text, and keeps fixed text
/// within Meta's limits (<see cref="TemplateText.MaxHeaderParameter"/>, <see cref="TemplateText.MaxBodyParameter"/>; no
/// new lines, tabs or more than four spaces in a row). A draft may hold an incomplete choice.
/// </summary>
public sealed class WhatsAppTemplateRules : AbstractValidator<ComposeModel>
{
    /// <summary>The errors' property name: the API's naming policy makes it "whatsapp_template", the JSON name of the field.</summary>
    public const string PropertyName = "WhatsappTemplate";

    /// <param name="fields">The admin's custom fields; null: only the standard fields exist.</param>
    public WhatsAppTemplateRules(WhatsAppTemplateQueries templates, ContactFieldDefinitions? fields = null)
    {
        RuleFor(m => m.WhatsAppTemplate)
            .Null().When(m => m.Channel != ChannelKind.WhatsApp)
            .WithMessage("Templates are for WhatsApp only.").OverridePropertyName(PropertyName);
        RuleFor(m => m.WhatsAppTemplate)
            .CustomAsync(async (input, context, ct) =>
            {
                var set = fields is null ? ContactFields.StandardSet : await fields.FieldSetAsync(ct);
                foreach (var problem in await ProblemsAsync(input!, templates, set, ct))
                    context.AddFailure(PropertyName, problem);
            })
            .When(m => m.Channel == ChannelKind.WhatsApp && m.WhatsAppTemplate is not null && m.When != SendTiming.Draft);
    }

    private static async Task<List<string>> ProblemsAsync(WhatsAppTemplateInput input, WhatsAppTemplateQueries templates,
        ContactFieldSet fields, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(input.Name) || string.IsNullOrWhiteSpace(input.Language))
            return ["Choose a WhatsApp template (its name and language)."];
        var template = await templates.FindAsync(input.Name.Trim(), input.Language.Trim(), cancellationToken);
        if (template is null)
            return [$"There is no WhatsApp template \"{input.Name}\" in {input.Language}: sync the templates list, or check the name."];
        if (!template.Approved)
            return [$"The template \"{template.Name}\" is {template.Status}: only approved templates can be sent."];

        var slots = template.Slots;
        var parameters = input.Parameters ?? [];
        if (parameters.Count != slots.Count)
            return [$"The template \"{template.Name}\" has {Text.Count(slots.Count, "parameter", "parameters")}: map each one " +
                    $"({string.Join(", ", slots.Select(s => s.Label))}); {parameters.Count:N0} given."];
        var problems = new List<string>();
        foreach (var (slot, parameter) in slots.Zip(parameters))
        {
            if (!string.IsNullOrWhiteSpace(parameter?.Field))
            {
                if (fields.Find(parameter.Field) is null)
                    problems.Add($"{slot.Label}: \"{parameter.Field}\" is not a contact field (use {fields.KeyList}).");
                continue;
            }
            var text = parameter?.Text;
            if (string.IsNullOrWhiteSpace(text))
                problems.Add($"{slot.Label}: map it to a contact field or enter its text.");
            else if (text.Length > slot.MaxLength)
                problems.Add($"{slot.Label}: at most {slot.MaxLength:N0} characters ({text.Length:N0} now).");
            else if (text.Contains('\n') || text.Contains('\t') || text.Contains("     ", StringComparison.Ordinal))
                problems.Add($"{slot.Label}: WhatsApp refuses new lines, tabs and more than four spaces in a row in a parameter.");
        }
        return problems;
    }
}
