namespace BulkSender.Core.Templates;

/// <summary>
/// One template parameter's source: a contact field (<see cref="ContactFields"/>) or fixed text. <see cref="Component"/>
/// and <see cref="Key"/> say which parameter of the template it fills (set when the send is made; a draft may lack them).
/// </summary>
public sealed record TemplateArgument(string? Field, string? Text, string? Component = null, string? Key = null);

/// <summary>The template a WhatsApp message is sent with, stored with the message (a JSON column).</summary>
public sealed record TemplateChoice(string Name, string Language, IReadOnlyList<TemplateArgument> Parameters)
{
    /// <summary>
    /// The arguments of <paramref name="input"/> matched in order to the template's <paramref name="slots"/> (none
    /// known: as given).
    /// </summary>
    public static TemplateChoice From(WhatsAppTemplateInput input, IReadOnlyList<TemplateSlot>? slots) => new(
        input.Name.Trim(), input.Language.Trim(),
        input.Parameters.Select((p, i) => new TemplateArgument(
            string.IsNullOrWhiteSpace(p.Field) ? null : p.Field.Trim(), p.Field is { Length: > 0 } ? null : p.Text,
            slots is not null && i < slots.Count ? slots[i].Component : null, slots is not null && i < slots.Count ? slots[i].Key : null)).ToList());

    public WhatsAppTemplateInput ToInput() => new()
    {
        Name = Name,
        Language = Language,
        Parameters = Parameters.Select(p => new TemplateParameterInput { Field = p.Field, Text = p.Text }).ToList(),
    };
}
