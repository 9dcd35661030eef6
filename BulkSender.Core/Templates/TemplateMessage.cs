using BulkSender.Core.Channels;

namespace BulkSender.Core.Templates;

/// <summary>A template message for one recipient: each parameter's value from its contact field or fixed text.</summary>
public static class TemplateMessage
{
    public static OutgoingTemplate For(TemplateChoice choice, RecipientValues recipient) =>
        new(choice.Name, choice.Language, choice.Parameters
            .Select(p => new OutgoingTemplateParameter(p.Component ?? TemplateText.Body,
                p.Key is { } key && !key.All(char.IsAsciiDigit) ? key : null,
                ValueOf(p.Field, p.Text, recipient)))
            .ToList());

    /// <summary>A parameter's value for the recipient: the contact field's, or the fixed text.</summary>
    public static string ValueOf(string? field, string? text, RecipientValues recipient) =>
        ContactFields.Find(field) is { } contactField ? contactField.Value(recipient) : text ?? "";

    /// <summary>The template's header and body as this recipient would read them (the compose page's preview).</summary>
    public static string Preview(string components, IReadOnlyList<TemplateParameterInput> parameters, RecipientValues recipient)
    {
        var slots = TemplateText.Slots(components);
        string Fill(string component)
        {
            var values = slots.Select((slot, i) => (slot, i)).Where(x => x.slot.Component == component && x.i < parameters.Count)
                .ToDictionary(x => x.slot.Key, x => ValueOf(parameters[x.i].Field, parameters[x.i].Text, recipient));
            return TemplateText.Of(components, component) is { } text ? TemplateText.Fill(text, values) : "";
        }
        return string.Join("\n", new[] { Fill(TemplateText.Header), Fill(TemplateText.Body) }.Where(t => t.Length > 0));
    }
}
